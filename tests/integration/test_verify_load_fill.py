"""The fill of the verification benchmark (`scripts/benchmarks/verify_load.py`): the database computes the rows
itself, so these tests hold it to what the load generator assumes (the digests it asks for are registered, the
unknown ones are not) and to what the measurement claims (the schema the migrations made, indexes included)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest
from sqlalchemy import Engine, bindparam, text

from ledger.db import make_engine, make_sessionmaker
from ledger.migrations import upgrade_schema
from ledger.toolchain import PROJECT_ROOT
from ledger.verification import verify

pytestmark = pytest.mark.integration

ROWS = 2_500


def _benchmark() -> ModuleType:
    """The benchmark script as a module (it is a script, not a package)."""
    path = PROJECT_ROOT / "scripts" / "benchmarks" / "verify_load.py"
    spec = importlib.util.spec_from_file_location("benchmark_verify_load", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _schema(engine: Engine, tables: tuple[str, ...]) -> set[tuple[str, ...]]:
    """Every index and constraint of `tables`, by its definition."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            listed = text("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master WHERE tbl_name IN :tables")
            rows = connection.execute(listed.bindparams(bindparam("tables", expanding=True)), {"tables": tables})
        else:
            rows = connection.execute(
                text(
                    "SELECT 'index', indexname, tablename, indexdef FROM pg_indexes WHERE tablename = ANY(:tables) "
                    "UNION SELECT 'constraint', conname, conrelid::regclass::text, pg_get_constraintdef(oid) "
                    "FROM pg_constraint WHERE conrelid::regclass::text = ANY(:tables)"
                ),
                {"tables": list(tables)},
            )
        return {tuple(row) for row in rows}


def test_the_verification_benchmark_fill_registers_the_hashes_its_load_asks_for_and_leaves_the_migrated_schema(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    benchmark = _benchmark()
    monkeypatch.setattr(benchmark, "BATCH", 1_000)  # three transactions, the last one short
    engine = make_engine(empty_database_url)
    upgrade_schema(engine)
    migrated = _schema(engine, benchmark.TABLES)
    engine.dispose()  # as the benchmark does: the fill has the database to itself

    figures = benchmark.fill_index(benchmark.IndexDatabase(engine.dialect.name, empty_database_url), ROWS)

    assert _schema(engine, benchmark.TABLES) == migrated
    assert set(figures["phases"]) == {"rows", "indexes", "analyze"}
    with make_sessionmaker(engine)() as session:
        for number in (1, 1_000, 1_001, ROWS):
            report = verify(session, benchmark._digest("data", number))
            assert [match.registration_id for match in report.matches] == [number]
            assert [event.args["manifestDigest"] for event in report.matches[0].history] == [
                benchmark._digest("manifest", number)
            ]
        assert verify(session, benchmark._digest("data", ROWS + 1)).matches == []
        assert verify(session, benchmark._digest("unknown", 1)).matches == []
    if engine.dialect.name == "postgresql":  # the fill's server settings are undone
        with engine.connect() as connection:
            assert connection.execute(text("SHOW autovacuum")).scalar_one() == "on"
    engine.dispose()
