"""The PostgreSQL binaries are found where the setup puts them: the system's, else the user's cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.stack import postgres


@pytest.fixture
def no_system_postgres(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine without postgresql-15 installed, with its cache in `tmp_path`."""
    monkeypatch.setattr(postgres, "SYSTEM_BIN_DIR", tmp_path / "nowhere")
    monkeypatch.delenv("DRL_POSTGRES_BIN_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "data-rights-ledger" / "postgresql-15"


def test_unpacked_binaries_are_used_with_their_libraries_when_the_system_has_none(no_system_postgres: Path) -> None:
    bin_dir = no_system_postgres / "usr" / "lib" / "postgresql" / "15" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "postgres").touch()
    (no_system_postgres / "usr" / "lib" / "x86_64-linux-gnu").mkdir()
    assert postgres.postgres_bin_dir() == bin_dir
    assert postgres._library_env(bin_dir) == {
        "LD_LIBRARY_PATH": str(no_system_postgres / "usr" / "lib" / "x86_64-linux-gnu")
    }


def test_missing_binaries_say_to_run_the_setup(no_system_postgres: Path) -> None:
    with pytest.raises(postgres.PostgresUnavailableError, match=r"scripts/setup\.sh"):
        postgres.postgres_bin_dir()


def test_system_binaries_need_no_library_path() -> None:
    assert postgres._library_env(Path("/usr/lib/postgresql/15/bin")) == {}
