"""The Alembic environment: always run by `ledger.migrations` on a connection it has opened and locked.

There is no alembic.ini and no URL here: the caller passes the connection (and, for autogenerate and
comparisons only, the full metadata including the service's tables) in `config.attributes`.
"""

from __future__ import annotations

from alembic import context

config = context.config
context.configure(
    connection=config.attributes["connection"],
    target_metadata=config.attributes.get("target_metadata"),
    render_as_batch=True,  # SQLite alters tables by copying them; batch mode does that portably
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
