"""Recording evidence through the service and `drl evidence add`: durable in the real log, never added twice."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.tokens import Role, issue_token
from ledger import evidence
from ledger.cli import app as drl
from ledger.config import Settings
from ledger.proofs import tlog
from ledger.runtime import LedgerRuntime
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
from ledger.stack.tlog import VERIFIER_KEY_FILE

PARTY = dev_account(5, LOCAL_CHAIN_ID).address
REGULATOR = dev_account(0, LOCAL_CHAIN_ID).address


@pytest.fixture
def settings(tmp_path: Path, evidence_log_url: str, evidence_log_dir: Path) -> Settings:
    (tmp_path / "tlog").mkdir()
    shutil.copy(evidence_log_dir / VERIFIER_KEY_FILE, tmp_path / "tlog" / VERIFIER_KEY_FILE)
    return Settings(data_dir=tmp_path, tlog_url=evidence_log_url, rate_limit_per_minute=0)


@pytest.fixture
def client(settings: Settings) -> Iterator[tuple[TestClient, LedgerRuntime, dict[str, str]]]:
    runtime = LedgerRuntime(settings)
    app = create_app(runtime)
    with runtime.sessions.begin() as session:
        tokens = {
            "party": issue_token(session, PARTY, [Role.REGISTRANT], "evidence party"),
            "regulator": issue_token(session, REGULATOR, [Role.REGULATOR], "regulator"),
        }
    with TestClient(app) as test_client:
        yield test_client, runtime, tokens
    runtime.close()


def _item(n: int, **extra: object) -> dict[str, object]:
    subject = "0x" + hashlib.sha256(f"data set {n}".encode()).hexdigest()
    return {"kind": "usage", "subject": subject, "licence_id": 3, "at": "2026-11-01T00:00:00Z", **extra}


def test_recorded_entries_are_in_the_log_under_the_token_party_and_proven(
    client: tuple[TestClient, LedgerRuntime, dict[str, str]],
) -> None:
    http, runtime, tokens = client
    headers = {"Authorization": f"Bearer {tokens['party']}"}
    answer = http.post("/v1/evidence", json={"entries": [_item(1), _item(2, persons=["operator 7"])]}, headers=headers)
    assert answer.status_code == 201, answer.text
    recorded = answer.json()["entries"]
    log = runtime.evidence_log
    checkpoint = log.checkpoint()
    for entry in recorded:
        leaf = log.entries(entry["index"], entry["index"] + 1)[0]
        assert json.loads(leaf)["party"] == PARTY
        assert "operator 7" not in leaf.decode()
        assert "0x" + tlog.leaf_hash(leaf).hex() == entry["leaf_hash"]
        proof = log.inclusion_proof(entry["index"], checkpoint.size)
        tlog.verify_inclusion(entry["index"], checkpoint.size, tlog.leaf_hash(leaf), proof, checkpoint.root)


def test_a_retried_request_adds_nothing_twice(client: tuple[TestClient, LedgerRuntime, dict[str, str]]) -> None:
    http, runtime, tokens = client
    headers = {"Authorization": f"Bearer {tokens['party']}", "Idempotency-Key": "retry-1"}
    body = {"entries": [_item(10), _item(11, persons=["a person"])]}
    first = http.post("/v1/evidence", json=body, headers=headers).json()["entries"]
    size = runtime.evidence_log.checkpoint().size
    again = http.post("/v1/evidence", json=body, headers=headers).json()["entries"]
    assert [e["index"] for e in again] == [e["index"] for e in first]
    assert not any(e["added"] for e in again)
    same_content = http.post(
        "/v1/evidence", json={"entries": [_item(10)]}, headers={"Authorization": headers["Authorization"]}
    )
    assert same_content.json()["entries"][0]["index"] == first[0]["index"]
    assert runtime.evidence_log.checkpoint().size == size


def test_recording_needs_a_token_and_a_regulator_lists_usage_by_licence(
    client: tuple[TestClient, LedgerRuntime, dict[str, str]],
) -> None:
    http, _, tokens = client
    party = {"Authorization": f"Bearer {tokens['party']}"}
    assert http.post("/v1/evidence", json={"entries": [_item(20)]}).status_code == 401
    bad = http.post(
        "/v1/evidence",
        json={"entries": [_item(21, kind="gossip")]},
        headers={"Authorization": f"Bearer {tokens['party']}"},
    )
    assert bad.status_code == 422
    http.post(
        "/v1/evidence",
        json={"entries": [_item(22, licence_id=99)]},
        headers={"Authorization": f"Bearer {tokens['party']}"},
    )
    listed = http.get("/v1/evidence?licence_id=99", headers={"Authorization": f"Bearer {tokens['regulator']}"})
    assert listed.status_code == 200
    assert [e["licence_id"] for e in listed.json()] == [99]
    assert http.get("/v1/evidence", headers=party).status_code == 403


def test_drl_evidence_add_records_a_file_once_even_when_run_twice(settings: Settings, tmp_path: Path) -> None:
    source = tmp_path / "entries.jsonl"
    source.write_text("\n".join(json.dumps(_item(100 + n)) for n in range(25)) + "\n")
    env = {"DRL_TLOG_URL": settings.tlog_url, "DRL_DATA_DIR": str(settings.data_dir)}
    first = CliRunner().invoke(drl, ["evidence", "add", str(source), "--party", PARTY, "--batch", "10"], env=env)
    assert first.exit_code == 0, first.output
    assert "recorded 25 new entries" in first.output
    second = CliRunner().invoke(drl, ["evidence", "add", str(source), "--party", PARTY], env=env)
    assert "recorded 0 new entries (25 already in the log)" in second.output
    runtime = LedgerRuntime(settings)
    with runtime.sessions() as session:
        assert len(evidence.entries(session, party=PARTY)) == 25
    runtime.close()


def test_drl_evidence_add_names_the_bad_line_and_records_nothing(settings: Settings, tmp_path: Path) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text(json.dumps(_item(200)) + "\n" + json.dumps(_item(201, kind="rumour")) + "\n")
    env = {"DRL_TLOG_URL": settings.tlog_url, "DRL_DATA_DIR": str(settings.data_dir)}
    result = CliRunner().invoke(drl, ["evidence", "add", str(source), "--party", PARTY], env=env)
    assert result.exit_code == 2
    assert "bad.jsonl:2" in result.output


def test_concurrent_requests_are_each_answered_once_durable_and_the_same_content_is_logged_once(
    client: tuple[TestClient, LedgerRuntime, dict[str, str]],
) -> None:
    _, runtime, _ = client
    tag = hashlib.sha256(str(runtime.settings.data_dir).encode()).hexdigest()[:12]
    same = evidence.EvidenceItem.model_validate(
        {**_item(0), "subject": "0x" + hashlib.sha256(tag.encode()).hexdigest()}
    )
    answers: dict[int, list[evidence.Recorded]] = {}

    def request(n: int) -> None:
        items = [
            evidence.EvidenceItem.model_validate(
                {**_item(0), "subject": "0x" + hashlib.sha256(f"{tag} {n} {i}".encode()).hexdigest()}
            )
            for i in range(20)
        ]
        with runtime.sessions() as session:
            answers[n] = evidence.record(session, runtime.evidence_log, PARTY, [same, *items])

    threads = [threading.Thread(target=request, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 12, "every request was answered"
    shared = [answer[0] for answer in answers.values()]
    assert len({recorded.index for recorded in shared}) == 1, "the same content has one index"
    assert sum(recorded.added for recorded in shared) == 1, "and was added by one request only"
    distinct = [recorded for answer in answers.values() for recorded in answer[1:]]
    assert len({recorded.index for recorded in distinct}) == 12 * 20
    assert all(recorded.added for recorded in distinct)
    size = runtime.evidence_log.checkpoint().size
    logged = {index: leaf for index, leaf in zip(range(size), runtime.evidence_log.entries(0, size), strict=True)}
    with runtime.sessions() as session:
        for recorded in [shared[0], *distinct]:
            row = session.get(evidence.EvidenceRow, recorded.index)
            assert row is not None, "indexed before the answer"
            assert logged[recorded.index] == row.entry.encode(), "and in the log at that index"


def test_two_processes_recording_the_same_content_and_key_at_once_index_it_once(settings: Settings) -> None:
    """`drl serve --workers N`: each process groups its own requests (a GroupCommit per log client) and has its own
    database connections; two runtimes over the same data directory stand for two of them."""
    runtimes = [LedgerRuntime(settings), LedgerRuntime(settings)]
    tag = hashlib.sha256(f"two processes {settings.data_dir}".encode()).hexdigest()[:12]

    def item(text: str) -> evidence.EvidenceItem:
        return evidence.EvidenceItem.model_validate(
            {**_item(0), "subject": "0x" + hashlib.sha256(text.encode()).hexdigest()}
        )

    same = item(f"{tag} same")
    retried = [item(f"{tag} retried {i}") for i in range(5)]  # one request sent to both processes under one key
    answers: dict[int, list[evidence.Recorded]] = {}
    keyed: dict[int, list[evidence.Recorded]] = {}

    def request(n: int) -> None:
        runtime = runtimes[n % 2]
        own = [item(f"{tag} {n} {i}") for i in range(20)]
        with runtime.sessions() as session:
            answers[n] = evidence.record(session, runtime.evidence_log, PARTY, [same, *own])
            keyed[n] = evidence.record(session, runtime.evidence_log, PARTY, retried, f"{tag}-key")

    threads = [threading.Thread(target=request, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len(answers) == len(keyed) == 8, "every request was answered"
        shared = [answer[0] for answer in answers.values()]
        assert len({recorded.index for recorded in shared}) == 1, "the same content has one index in both"
        assert sum(recorded.added for recorded in shared) == 1, "and was added by one request only"
        assert len({tuple(recorded.index for recorded in answer) for answer in keyed.values()}) == 1
        assert sum(recorded.added for answer in keyed.values() for recorded in answer) == len(retried)
        distinct = {recorded.index for answer in answers.values() for recorded in answer[1:]}
        assert len(distinct) == 8 * 20
        with runtimes[0].sessions() as session:
            indexed = evidence.entries(session, party=PARTY, limit=1000)
        assert {row.log_index for row in indexed} >= distinct | {shared[0].index}
        digests = [row.digest for row in indexed]
        assert len(digests) == len(set(digests)), "no content indexed twice"
    finally:
        for runtime in runtimes:
            runtime.close()


def test_every_caller_is_answered_when_groups_are_split_and_writes_are_few(
    client: tuple[TestClient, LedgerRuntime, dict[str, str]],
) -> None:
    """A leader's group stops at `max_entries` and at most `max_writes` writes run at once: the callers left queued
    are each woken in turn (a write freed wakes the oldest one), and none waits for ever."""
    _, runtime, _ = client
    evidence._groups[runtime.evidence_log] = evidence.GroupCommit(runtime.evidence_log, max_entries=45, max_writes=2)
    tag = hashlib.sha256(str(runtime.settings.data_dir).encode()).hexdigest()[:12]
    answers: dict[int, list[evidence.Recorded]] = {}

    def request(n: int) -> None:
        items = [
            evidence.EvidenceItem.model_validate(
                {**_item(0), "subject": "0x" + hashlib.sha256(f"{tag} split {n} {i}".encode()).hexdigest()}
            )
            for i in range(20)
        ]
        with runtime.sessions() as session:
            answers[n] = evidence.record(session, runtime.evidence_log, PARTY, items)

    threads = [threading.Thread(target=request, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a caller was never woken"
    assert len(answers) == 16
    indices = [recorded.index for answer in answers.values() for recorded in answer]
    assert len(set(indices)) == 16 * 20
    assert all(recorded.added for answer in answers.values() for recorded in answer)
