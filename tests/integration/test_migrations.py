"""The schema is made and upgraded by migrations only, on SQLite and on a real PostgreSQL 15, and the
migrated schema is exactly what the models describe."""

from __future__ import annotations

import ast
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, PrimaryKeyConstraint, inspect, select
from typer.testing import CliRunner

import api.tables
import ledger
import ledger.tables
from ledger.cli import app
from ledger.config import Settings
from ledger.db import Base, make_engine, make_sessionmaker
from ledger.index.tables import EndorsementRow
from ledger.migrations import (
    INITIAL_REVISION,
    alembic_config,
    downgrade_schema,
    head_revision,
    schema_revision,
    upgrade_schema,
)
from ledger.runtime import LedgerRuntime

pytestmark = pytest.mark.integration
# Columns later revisions added; a database made by `create_all` before migrations lacks them.
ADDED_SINCE_INITIAL = {"api_tokens": {"expires_at"}, "outbox_writes": {"request_digest"}}
TABLES_ADDED_SINCE_INITIAL = {
    "draft_pins",
    "web_sessions",
    "public_objections",
    "rate_buckets",
    "evidence_entries",
    "evidence_checkpoints",
    "evidence_certificates",
    "transfer_offers",
    "manifest_blocks",
    "manifest_misses",
}
KEY_AT_INITIAL = {"endorsements": ("report_digest",)}


def _differences(engine: Engine) -> list[Any]:
    """What Alembic's autogenerate would change to make the database match the models (ledger and service)."""
    assert {ledger.tables.OutboxWrite.__table__, api.tables.ApiToken.__table__} <= set(Base.metadata.sorted_tables)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def _previous_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config())
    previous = script.get_revision(head_revision()).down_revision
    assert isinstance(previous, str)
    return previous


def _initial_metadata(*, with_service_tables: bool = True) -> MetaData:
    """The models as they were when migrations began: what `create_all` made before."""
    initial = MetaData()
    service = {model.__tablename__ for model in (api.tables.ApiToken, api.tables.Draft, api.tables.ReviewRecord)}
    for table in Base.metadata.sorted_tables:
        if table.name in TABLES_ADDED_SINCE_INITIAL or (not with_service_tables and table.name in service):
            continue
        copy = table.to_metadata(initial)
        for column in ADDED_SINCE_INITIAL.get(table.name, ()):
            copy._columns.remove(copy.c[column])  # no index or constraint of the initial schema uses it
        if table.name in KEY_AT_INITIAL:
            key = KEY_AT_INITIAL[table.name]
            for column in copy.columns:
                column.primary_key = column.name in key
            copy.append_constraint(PrimaryKeyConstraint(*(copy.c[name] for name in key)))
    return initial


def test_an_empty_database_migrated_to_head_matches_the_models(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    assert schema_revision(engine) is None
    upgrade_schema(engine)
    assert schema_revision(engine) == head_revision()
    assert _differences(engine) == []
    engine.dispose()


def test_a_database_at_the_previous_revision_upgrades_to_head_keeping_its_rows(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    upgrade_schema(engine, _previous_revision())
    assert schema_revision(engine) == _previous_revision()
    endorsement = {
        "report_digest": "0x" + "cd" * 32,
        "registration_id": 7,
        "agency": "0x" + "22" * 20,
        "kind": 0,
        "withdrawn": False,
        "block_number": 12,
    }
    with engine.begin() as connection:
        connection.execute(
            api.tables.ApiToken.__table__.insert(),
            {"token_hash": "ab" * 32, "address": "0x" + "11" * 20, "roles": ["registrant"], "label": "kept"},
        )
        connection.execute(EndorsementRow.__table__.insert(), endorsement)

    upgrade_schema(engine)

    assert schema_revision(engine) == head_revision()
    assert _differences(engine) == []
    with make_sessionmaker(engine)() as session:
        token = session.scalars(select(api.tables.ApiToken)).one()
        kept = session.get(EndorsementRow, (endorsement["agency"], endorsement["report_digest"]))
    assert (token.label, token.expires_at) == ("kept", None)
    assert kept is not None
    assert kept.registration_id == 7
    engine.dispose()


def test_every_revision_downgrades_and_upgrades_again(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    upgrade_schema(engine)
    downgrade_schema(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade_schema(engine)
    assert _differences(engine) == []
    engine.dispose()


@pytest.mark.parametrize("with_service_tables", [True, False], ids=["served", "cli-only"])
def test_a_database_created_before_migrations_is_adopted(empty_database_url: str, with_service_tables: bool) -> None:
    engine = make_engine(empty_database_url)
    _initial_metadata(with_service_tables=with_service_tables).create_all(engine)
    with engine.begin() as connection:
        connection.execute(ledger.tables.PartyRow.__table__.insert(), {"address": "0x" + "22" * 20, "status": "x"})
    assert schema_revision(engine) is None

    upgrade_schema(engine)

    assert schema_revision(engine) == head_revision()
    assert _differences(engine) == []  # the service's tables a CLI-only database lacked are there too
    with engine.connect() as connection:
        assert connection.execute(select(ledger.tables.PartyRow.status)).scalars().all() == ["x"]
    engine.dispose()


def test_processes_starting_at_once_migrate_the_database_exactly_once(empty_database_url: str) -> None:
    starter = textwrap.dedent(f"""
        import sys
        from ledger.db import make_engine
        from ledger.migrations import upgrade_schema
        sys.stdin.read()  # every process waits here until all are started
        upgrade_schema(make_engine({empty_database_url!r}))
    """)
    processes = [
        subprocess.Popen([sys.executable, "-c", starter], stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for process in processes:
        assert process.stdin is not None
        process.stdin.close()
    failures = [process.stderr.read().decode() for process in processes if process.wait(120) != 0]  # type: ignore[union-attr]
    assert failures == []
    engine = make_engine(empty_database_url)
    assert schema_revision(engine) == head_revision()
    assert _differences(engine) == []
    engine.dispose()


def test_the_runtime_upgrades_the_database_before_first_use(empty_database_url: str, tmp_path: Path) -> None:
    runtime = LedgerRuntime(Settings(data_dir=tmp_path / "drl", database_url=empty_database_url))
    with runtime.sessions() as session:
        assert session.scalars(select(api.tables.ApiToken)).all() == []
    assert schema_revision(runtime.engine) == head_revision()
    runtime.close()


def test_the_sqlite_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    runtime = LedgerRuntime(Settings(data_dir=tmp_path / "drl"))
    with runtime.sessions.begin() as session:
        session.add(ledger.tables.PartyRow(address="0x" + "33" * 20, status="admitted"))
        database = tmp_path / "drl" / "ledger.db"
        assert stat.S_IMODE(database.stat().st_mode) == 0o600
        assert stat.S_IMODE((tmp_path / "drl").stat().st_mode) == 0o700
    runtime.close()


def test_an_existing_world_readable_sqlite_database_is_narrowed(tmp_path: Path) -> None:
    database = tmp_path / "ledger.db"
    database.touch(mode=0o644)
    database.chmod(0o644)
    make_engine(f"sqlite:///{database}").dispose()
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


def test_drl_db_upgrade_works_from_any_directory_without_an_alembic_ini(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no alembic.ini, no migrations folder here: they come from the package
    data_dir = str(tmp_path / "drl")
    runner = CliRunner()
    assert runner.invoke(app, ["db", "current", "--data-dir", data_dir]).exit_code == 1
    assert runner.invoke(app, ["db", "upgrade", "--data-dir", data_dir]).exit_code == 0
    current = runner.invoke(app, ["db", "current", "--data-dir", data_dir])
    assert current.exit_code == 0
    assert f"revision {head_revision()}" in current.output


def test_nothing_in_the_ledger_imports_the_service() -> None:
    """The migrations create the service's tables as plain DDL, so the core stays below the faces."""
    offenders = []
    for path in Path(ledger.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path}: {name}" for name in names if name.split(".")[0] == "api"]
    assert offenders == []


def test_the_revisions_form_one_line_from_the_initial_one() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_bases() == [INITIAL_REVISION]
    assert script.get_heads() == [head_revision()]
