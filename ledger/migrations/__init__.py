"""Schema migrations: Alembic revisions in `versions/`, run from the package (no alembic.ini, no cwd).

Every process that opens the database upgrades it to the head revision first (`LedgerRuntime.engine`),
so `drl up`, `drl serve` and each of its workers start on the schema their code expects. Two processes
starting at once must not both migrate: the upgrade runs in one transaction that first takes a lock
(a transaction-scoped advisory lock on PostgreSQL, the write lock of `BEGIN IMMEDIATE` on SQLite);
whoever comes second finds the database at head and does nothing.

The revisions are plain DDL for every table, the service's included, so the ledger never imports
`api/`. Only generating a revision or comparing the models with the migrated schema needs the whole
metadata, and those run from a test or `scripts/new_migration.py`, which pass it in.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, inspect, text

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent
INITIAL_REVISION = "0001"
VERSION_TABLE = "alembic_version"
# Any constant both processes agree on; it only has to differ from the project's other advisory locks.
POSTGRES_MIGRATION_LOCK = 0x64726C_6D6967  # "drl" "mig"
# A table every database created by the ledger has had since before migrations existed.
_LEGACY_MARKER = "outbox_writes"


def alembic_config(connection: Connection | None = None, target_metadata: MetaData | None = None) -> Config:
    """The Alembic configuration, built in code so that it works from an installed wheel in any directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    config.attributes["target_metadata"] = target_metadata
    return config


def head_revision() -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations directory has no revision"
    return head


def schema_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty database (or one created before migrations)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _lock(connection: Connection) -> None:
    """Holds the migration lock until the transaction ends."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRES_MIGRATION_LOCK})
    elif connection.dialect.name == "sqlite":
        # pysqlite opens transactions lazily, at the first write; take the write lock now instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def created_before_migrations(connection: Connection) -> bool:
    """Whether the database was created by `create_all` before migrations existed (tables, no version)."""
    tables = set(inspect(connection).get_table_names())
    return VERSION_TABLE not in tables and _LEGACY_MARKER in tables


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Brings the database to `revision` (the head by default), once, whoever else starts at the same time.

    A database created before migrations is adopted by the initial revision, which creates only the
    tables it lacks (a database only the CLI had used never got the service's tables); the later
    revisions then run as on any other database.
    """
    with engine.begin() as connection:
        _lock(connection)
        if created_before_migrations(connection):
            log.warning("adopting a database created before migrations at revision %s", INITIAL_REVISION)
        command.upgrade(alembic_config(connection), revision)


def downgrade_schema(engine: Engine, revision: str) -> None:
    """Takes the database back to `revision` (tests, and undoing a failed deployment by hand)."""
    with engine.begin() as connection:
        _lock(connection)
        command.downgrade(alembic_config(connection), revision)
