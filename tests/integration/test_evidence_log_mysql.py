"""The evidence log on Tessera's MySQL storage (a real MariaDB from Debian's packages), the path for several writers:
the ledger reads and proves it exactly as it does the POSIX log, and two `tlog serve` processes on one database
append to one tree that stays consistent."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.tokens import Role, issue_token
from ledger.config import Settings
from ledger.evidence_log import Appended, EvidenceLog
from ledger.proofs import tlog
from ledger.proofs.tlog_note import Checkpoint
from ledger.runtime import LedgerRuntime
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
from ledger.stack.mariadb import MariaDBDatabase, MariaDBServer, init_server, mariadb_process
from ledger.stack.tlog import VERIFIER_KEY_FILE, ensure_log_key, tlog_process
from tests.conftest import EVIDENCE_ORIGIN, free_port

PARTY = dev_account(5, LOCAL_CHAIN_ID).address


@pytest.fixture(scope="module")
def mariadb() -> Iterator[tuple[MariaDBServer, int]]:
    """A MariaDB server for the module, on a free loopback port, in a directory `tempfile` makes (pytest's own are
    closed to the server's account when the tests run as root)."""
    directory = Path(tempfile.mkdtemp(prefix="drl-mariadb-"))
    try:
        server = init_server(directory)
        port = free_port()
        with mariadb_process(server, port, durable=False):
            yield server, port
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def database(mariadb: tuple[MariaDBServer, int], request: pytest.FixtureRequest) -> MariaDBDatabase:
    """An empty database of the test's own."""
    server, port = mariadb
    name = "log_" + hashlib.sha256(request.node.name.encode()).hexdigest()[:12]
    return server.create_database(name, port)


@pytest.fixture
def writers(tmp_path: Path, database: MariaDBDatabase) -> Iterator[list[str]]:
    """Two `tlog serve` processes writing one log to the test's database; yields their URLs."""
    directory = tmp_path / "tlog"
    ports = [free_port(), free_port()]
    with (
        tlog_process(directory, ports[0], EVIDENCE_ORIGIN, database=database, name="tlog-a"),
        tlog_process(directory, ports[1], EVIDENCE_ORIGIN, database=database, name="tlog-b"),
    ):
        yield [f"http://127.0.0.1:{port}" for port in ports]


def _log(url: str, directory: Path) -> EvidenceLog:
    return EvidenceLog(url, ensure_log_key(directory, EVIDENCE_ORIGIN))


def test_root_cannot_log_in_over_tcp_only_through_the_socket(mariadb: tuple[MariaDBServer, int]) -> None:
    server, port = mariadb
    over_tcp = subprocess.run(
        [*server.client, "--host=127.0.0.1", f"--port={port}", "--user=root", "--execute=SELECT 1"],
        env={**os.environ, **server.env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert over_tcp.returncode != 0
    assert re.search(r"Access denied|is not allowed to connect", over_tcp.stderr), over_tcp.stderr
    assert server.execute("SELECT CURRENT_USER()").strip() == "root@localhost"


def test_every_entry_is_proven_included_from_tiles_the_database_serves(tmp_path: Path, writers: list[str]) -> None:
    log = _log(writers[0], tmp_path / "tlog")
    entries = [f"mysql inclusion {i}".encode() for i in range(600)]
    appended = log.add(entries)
    checkpoint = appended.checkpoint
    assert checkpoint.size >= max(appended.indices) + 1
    for entry, index in zip(entries, appended.indices, strict=True):
        proof = log.inclusion_proof(index, checkpoint.size, checkpoint.size)
        tlog.verify_inclusion(index, checkpoint.size, tlog.leaf_hash(entry), proof, checkpoint.root)
    assert log.entries(appended.indices[0], appended.indices[-1] + 1, checkpoint.size) == entries
    later = log.add([f"mysql later {i}".encode() for i in range(300)]).checkpoint
    proof = log.consistency_proof(checkpoint.size, later.size)
    tlog.verify_consistency(checkpoint.size, later.size, proof, checkpoint.root, later.root)


def test_a_partial_tile_or_bundle_has_exactly_the_width_its_path_names(tmp_path: Path, writers: list[str]) -> None:
    log = _log(writers[0], tmp_path / "tlog")
    first = log.add([f"partial {i}".encode() for i in range(5)])
    log.add([f"grown {i}".encode() for i in range(7)])  # the database's tile and bundle now hold 12
    width = first.checkpoint.size
    tile = httpx.get(f"{writers[0]}/{tlog.tile_path(0, 0, width)}")
    bundle = httpx.get(f"{writers[0]}/{tlog.entries_path(0, width)}")
    assert tile.status_code == bundle.status_code == 200
    assert len(tlog.split_tile(tile.content)) == width
    assert tlog.split_entry_bundle(bundle.content)[-1] == b"partial 4"
    assert httpx.get(f"{writers[0]}/{tlog.tile_path(0, 1, 3)}").status_code == 404


def test_two_writers_on_one_database_append_to_one_consistent_tree(tmp_path: Path, writers: list[str]) -> None:
    logs = [_log(url, tmp_path / "tlog") for url in writers]
    answers: list[tuple[list[bytes], Appended]] = []
    failures: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            for batch in range(4):
                entries = [f"writer {writer} batch {batch} entry {i}".encode() for i in range(40 + batch)]
                answers.append((entries, logs[writer].add(entries)))
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failures.append(error)

    threads = [threading.Thread(target=write, args=(writer,)) for writer in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    indices = [index for _, appended in answers for index in appended.indices]
    assert len(indices) == len(set(indices)) == sum(len(entries) for entries, _ in answers)

    newest = max((appended.checkpoint for _, appended in answers), key=lambda checkpoint: checkpoint.size)
    checkpoints: dict[int, Checkpoint] = {appended.checkpoint.size: appended.checkpoint for _, appended in answers}
    sizes = sorted(checkpoints)
    for older, newer in itertools.pairwise(sizes):
        proof = logs[1].consistency_proof(older, newer, newest.size)
        tlog.verify_consistency(older, newer, proof, checkpoints[older].root, checkpoints[newer].root)
    for entries, appended in answers:
        reader = logs[appended.indices[0] % 2]  # either writer serves every entry
        for entry, index in zip(entries, appended.indices, strict=True):
            proof = reader.inclusion_proof(index, newest.size, newest.size)
            tlog.verify_inclusion(index, newest.size, tlog.leaf_hash(entry), proof, newest.root)


def test_an_entry_repeated_through_the_other_writer_keeps_its_first_index(
    tmp_path: Path, writers: list[str], mariadb: tuple[MariaDBServer, int], database: MariaDBDatabase
) -> None:
    server, _ = mariadb
    first = _log(writers[0], tmp_path / "tlog").add([b"one entry, two writers"])
    # Tessera's antispam on MySQL learns entries by following the log (about once a second): wait until it has.
    deadline = time.monotonic() + 30
    query = f"SELECT nextIdx FROM `{database.name}`.AntispamFollowCoord WHERE id = 0"
    while int(server.execute(query).strip() or 0) <= first.indices[0]:
        assert time.monotonic() < deadline, "the antispam follower did not catch up"
        time.sleep(0.2)
    again = _log(writers[1], tmp_path / "tlog").add([b"one entry, two writers"])
    assert again.indices == first.indices
    assert again.duplicates == [True]


def test_the_service_records_and_proves_evidence_on_a_log_in_the_database(tmp_path: Path, writers: list[str]) -> None:
    (tmp_path / "drl" / "tlog").mkdir(parents=True)
    shutil.copy(tmp_path / "tlog" / VERIFIER_KEY_FILE, tmp_path / "drl" / "tlog" / VERIFIER_KEY_FILE)
    runtime = LedgerRuntime(
        Settings(data_dir=tmp_path / "drl", tlog_url=writers[1], tlog_origin=EVIDENCE_ORIGIN, rate_limit_per_minute=0)
    )
    try:
        with runtime.sessions.begin() as session:
            token = issue_token(session, PARTY, [Role.REGISTRANT], "evidence party")
        subject = "0x" + hashlib.sha256(b"a data set on the database's log").hexdigest()
        with TestClient(create_app(runtime)) as http:
            answer = http.post(
                "/v1/evidence",
                json={"entries": [{"kind": "access", "subject": subject}]},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert answer.status_code == 201, answer.text
        recorded = answer.json()["entries"][0]
        log = runtime.evidence_log
        checkpoint = log.checkpoint()
        leaf = log.entries(recorded["index"], recorded["index"] + 1)[0]
        assert "0x" + tlog.leaf_hash(leaf).hex() == recorded["leaf_hash"]
        proof = log.inclusion_proof(recorded["index"], checkpoint.size)
        tlog.verify_inclusion(recorded["index"], checkpoint.size, tlog.leaf_hash(leaf), proof, checkpoint.root)
    finally:
        runtime.close()
