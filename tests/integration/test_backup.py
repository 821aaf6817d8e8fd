"""`drl backup` and `drl restore` on both databases: a restore on an empty machine re-verifies against the chain,
and a backup tampered with (a row edited, a manifest changed) is reported, never believed."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text
from web3 import Web3

from ledger.chain.deployment import Deployment
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
from ledger.stack.postgres import client_program

from .kubo_set import running_kubo_set
from .registry import transact
from .test_cli import PASSWORD, _dataset, _metadata, drl

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def chain(private_chain: tuple[Web3, Deployment]) -> tuple[Web3, Deployment, str]:
    """The module's chain with a registrant admitted; returns its RPC URL too."""
    w3, deployed = private_chain
    registrant = dev_account(6, LOCAL_CHAIN_ID)
    access = deployed.contract(w3, "LedgerAccess")
    transact(w3, dev_account(0, LOCAL_CHAIN_ID), access.functions.admitParty(registrant.address, Web3.keccak(text="b")))
    return w3, deployed, str(w3.provider.endpoint_uri)  # type: ignore[attr-defined]


def _database(kind: str, tmp_path: Path, request: pytest.FixtureRequest, name: str) -> str:
    """An empty database of `kind`: a SQLite path, or a new database on the session's PostgreSQL server."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / name / 'ledger.db'}"
    server_url = str(request.getfixturevalue("postgres_url"))
    database = f"backup_{uuid.uuid4().hex[:10]}"
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    server.dispose()
    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


def _use(monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str, rpc_url: str, kubo_url: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("DRL_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DRL_DATABASE_URL", database_url)
    monkeypatch.setenv("DRL_RPC_URL", rpc_url)
    monkeypatch.setenv("DRL_IPFS_NODES", json.dumps([kubo_url]))
    monkeypatch.delenv("DRL_IPFS_API_URL", raising=False)
    monkeypatch.delenv("DRL_KEYSTORE_PASSWORD", raising=False)


@pytest.fixture(scope="module")
def source_kubo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The source nodes' Kubo, kept for the module: every registration on the module's chain stays retrievable."""
    with running_kubo_set(tmp_path_factory.mktemp("source-kubo"), 1) as kubo:
        yield kubo.urls[0]


@pytest.fixture(params=["sqlite", "postgresql"])
def backup(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    chain: tuple[Web3, Deployment, str],
    source_kubo: str,
) -> tuple[Path, str, str]:
    """A node with a new registration, backed up; returns the backup directory, the database kind and the title."""
    _, deployed, rpc_url = chain
    kind = str(request.param)
    source = tmp_path / "source"
    title = f"backed-up-{uuid.uuid4().hex[:8]}"
    _use(monkeypatch, source, _database(kind, tmp_path, request, "source"), rpc_url, source_kubo)
    deployed.save(source / "deployment.json")
    (source / "password").write_text(PASSWORD)
    key_file = source / "key.hex"
    key_file.write_text(dev_account(6, LOCAL_CHAIN_ID).key.hex())
    assert drl("keys", "import", str(key_file), "--password-file", str(source / "password")).exit_code == 0
    key_file.unlink()
    metadata = _metadata(source, dev_account(6, LOCAL_CHAIN_ID).address, title)
    registered = drl("register", "--data", str(_dataset(source, title)), "--metadata", str(metadata),
                     "--password-file", str(source / "password"))  # fmt: skip
    assert registered.exit_code == 0, registered.output
    backed_up = drl("backup", str(tmp_path / "backup"))
    assert backed_up.exit_code == 0, backed_up.output
    return tmp_path / "backup", kind, title


def _restore(
    backup_dir: Path, kind: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, dict[str, Any]]:
    """Restores onto an empty machine: a new data directory, a new empty database and a new Kubo node."""
    rpc_url = request.getfixturevalue("chain")[2]
    with running_kubo_set(tmp_path / "target-kubo", 1) as kubo:
        _use(monkeypatch, tmp_path / "target", _database(kind, tmp_path, request, "target"), rpc_url, kubo.urls[0])
        restored = drl("restore", str(backup_dir), "--json")
    assert restored.exit_code in (0, 1), (restored.output, restored.exception)
    assert restored.stdout, (restored.output, restored.exception)
    return restored.exit_code, json.loads(restored.stdout)


def test_a_restore_on_an_empty_machine_re_verifies_every_registration_against_the_chain(
    backup: tuple[Path, str, str], tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup_dir, kind, _title = backup
    description = json.loads((backup_dir / "backup.json").read_text())
    assert description["database"] == kind
    assert description["content_roots"] >= 1
    code, report = _restore(backup_dir, kind, tmp_path, request, monkeypatch)
    assert code == 0, report
    assert report["registrations"] >= 1
    assert report["differences"] == []
    assert report["missing_content"] == []
    assert list((tmp_path / "target" / "keystore").iterdir())

    again = drl("restore", str(backup_dir))  # onto the node just restored: refused, nothing overwritten
    assert again.exit_code == 2
    assert "empty" in again.output


def _edit_postgres_archive(archive: Path, scratch_url: str, statement: str) -> None:
    """Tampers with a pg_dump archive: restores it into a scratch database, runs `statement`, dumps it back."""
    libpq = make_url(scratch_url).set(drivername="postgresql").render_as_string(hide_password=False)
    restore, env = client_program("pg_restore")
    subprocess.run([*restore, "--no-owner", f"--dbname={libpq}", str(archive)], env={**os.environ, **env}, check=True)
    engine = create_engine(scratch_url)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()
    dump, env = client_program("pg_dump")
    subprocess.run([*dump, "--format=custom", "--no-owner", f"--file={archive}", libpq], env={**os.environ, **env},
                   check=True)  # fmt: skip


def test_a_row_edited_in_the_backup_is_reported_as_a_difference_with_the_chain(
    backup: tuple[Path, str, str], tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup_dir, kind, _title = backup
    edit = "UPDATE registrations SET grade = grade + 1 WHERE id = (SELECT max(id) FROM registrations)"
    if kind == "sqlite":
        with sqlite3.connect(backup_dir / "database.sqlite") as database:
            database.execute(edit)
    else:
        _edit_postgres_archive(backup_dir / "database.pgdump", _database(kind, tmp_path, request, "edit"), edit)
    code, report = _restore(backup_dir, kind, tmp_path, request, monkeypatch)
    assert code == 1
    (difference,) = report["differences"]
    assert difference["table"] == "registrations"
    (ours,) = difference["only_in_backup"]
    (theirs,) = difference["only_on_chain"]
    assert ours["grade"] == theirs["grade"] + 1


@pytest.mark.parametrize("backup", ["sqlite"], indirect=True)  # the CAR is the same whatever the database
def test_a_manifest_changed_in_the_backup_is_reported_and_not_served(
    backup: tuple[Path, str, str], tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup_dir, kind, title = backup
    car = backup_dir / "content.car"
    content = car.read_bytes()
    assert content.count(title.encode()) == 1
    car.write_bytes(content.replace(title.encode(), title.upper().encode()))
    code, report = _restore(backup_dir, kind, tmp_path, request, monkeypatch)
    assert code == 1
    assert "do not match" in report["content_import_error"]  # refused by Kubo, then imported without it
    (missing,) = report["missing_content"]  # everything else in the CAR was restored
    assert missing["kind"] == "manifest"
    assert report["content_import_error"].endswith(f"left out: {missing['cid']}")
    assert title.upper() not in json.dumps(report)  # the forged title is nowhere believed
