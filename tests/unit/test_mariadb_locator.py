"""The MariaDB binaries are found where the setup puts them: the system's, else the user's cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.stack import mariadb


@pytest.fixture
def no_system_mariadb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine without MariaDB installed, with its cache in `tmp_path`."""
    monkeypatch.setattr(mariadb, "SYSTEM_ROOT", tmp_path / "nowhere")
    monkeypatch.delenv("DRL_MARIADB_ROOT", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "data-rights-ledger" / "mariadb-10.11"


def test_unpacked_binaries_are_used_with_their_libraries_when_the_system_has_none(no_system_mariadb: Path) -> None:
    for program in ("usr/sbin/mariadbd", "usr/bin/mariadb-install-db"):
        (no_system_mariadb / program).parent.mkdir(parents=True, exist_ok=True)
        (no_system_mariadb / program).touch()
    (no_system_mariadb / "usr" / "lib" / "x86_64-linux-gnu").mkdir(parents=True)
    assert mariadb.mariadb_root() == no_system_mariadb
    assert mariadb._library_env(no_system_mariadb) == {
        "LD_LIBRARY_PATH": str(no_system_mariadb / "usr" / "lib" / "x86_64-linux-gnu")
    }


def test_missing_binaries_say_to_run_the_setup(no_system_mariadb: Path) -> None:
    with pytest.raises(mariadb.MariaDBUnavailableError, match=r"scripts/setup\.sh"):
        mariadb.mariadb_root()


def test_a_database_name_that_could_break_out_of_its_quotes_is_refused() -> None:
    server = mariadb.MariaDBServer(Path("/nonexistent"), Path("/nonexistent"), None)
    with pytest.raises(ValueError, match="letters, digits"):
        server.create_database("log`; DROP DATABASE mysql; --", 3306)
