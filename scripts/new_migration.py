"""Writes the next migration: what the models (the ledger's and the service's tables) have that a scratch
database at the head revision lacks, as Alembic's autogenerate sees it.

    .venv/bin/python scripts/new_migration.py "api tokens expire"

Read the file it writes before committing it: autogenerate misses renames and some constraint changes.
The test `tests/integration/test_migrations.py` then checks that the migrated schema equals the models.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

import api.tables  # noqa: F401 - the service's tables, on the same Base
import ledger.tables  # noqa: F401 - every table of the ledger
from ledger.db import Base, make_engine
from ledger.migrations import alembic_config, upgrade_schema


def main(message: str) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    rev_id = f"{int(head or 0) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'scratch.db'}")
        upgrade_schema(engine)
        with engine.begin() as connection:
            command.revision(
                alembic_config(connection, Base.metadata), message=message, autogenerate=True, rev_id=rev_id
            )
        engine.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
