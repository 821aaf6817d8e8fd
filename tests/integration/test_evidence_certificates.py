"""Evidence certificates of log entries (issue 15): issued only for anchored entries, naming what their bundles
prove, pinned on IPFS and anchored by the log itself."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner
from web3 import Web3

from api.app import create_app
from api.tokens import Role, issue_token
from ledger import evidence
from ledger.chain.deployment import Deployment
from ledger.chain.ids import decode_certificate_number, issue_day
from ledger.cli import app as drl
from ledger.config import Settings
from ledger.evidence_anchoring import EvidenceAnchorer
from ledger.evidence_bundles import Web3AnchorReader
from ledger.evidence_certificates import CertificateState, EvidenceCertificateRow, certify_entries
from ledger.manifest.canonical import sha256
from ledger.outbox import OutboxStatus
from ledger.proofs import tlog
from ledger.proofs.tlog_bundle import EvidenceBundle, verify_evidence_bundle
from ledger.proofs.tlog_certificate import (
    EvidenceCertificateCheckError,
    EvidenceCertificateDocument,
    IssuedCopy,
    parse_evidence_certificate,
    verify_evidence_certificate,
)
from ledger.proofs.tlog_note import VerifierKey, verify_checkpoint
from ledger.runtime import LedgerRuntime
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
from ledger.stack.tlog import VERIFIER_KEY_FILE

pytestmark = pytest.mark.integration
PARTY = dev_account(6, LOCAL_CHAIN_ID).address
AUTHORITY = dev_account(1, LOCAL_CHAIN_ID).address
Client = tuple[TestClient, LedgerRuntime, dict[str, dict[str, str]]]


@pytest.fixture
def client(
    tmp_path: Path,
    anvil_url: str,
    deployment: Deployment,
    kubo_api: str,
    own_evidence_log_url: str,
    own_evidence_log_dir: Path,
) -> Iterator[Client]:
    (tmp_path / "tlog").mkdir()
    shutil.copy(own_evidence_log_dir / VERIFIER_KEY_FILE, tmp_path / "tlog" / VERIFIER_KEY_FILE)
    deployment.save(tmp_path / "deployment.json")
    settings = Settings(
        data_dir=tmp_path,
        rpc_url=anvil_url,
        ipfs_api_url=kubo_api,
        tlog_url=own_evidence_log_url,
        tlog_anchor_every_entries=10**9,  # only the test anchors, when it says so
        tlog_anchor_every_seconds=10**6,
        rate_limit_per_minute=0,
    )
    runtime = LedgerRuntime(settings)
    with runtime.sessions.begin() as session:
        tokens = {
            "party": issue_token(session, PARTY, [Role.REGISTRANT], "evidence party"),
            "authority": issue_token(session, AUTHORITY, [Role.AUTHORITY], "authority"),
        }
    with TestClient(create_app(runtime)) as http:
        yield http, runtime, {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()}
    runtime.close()


def _record(http: TestClient, headers: dict[str, str], tag: str, count: int) -> list[int]:
    items = [
        {"kind": "delivery", "subject": "0x" + hashlib.sha256(f"{tag} {n}".encode()).hexdigest()} for n in range(count)
    ]
    answer = http.post("/v1/evidence", json={"entries": items}, headers=headers)
    assert answer.status_code == 201, answer.text
    return [entry["index"] for entry in answer.json()["entries"]]


def _certify(http: TestClient, headers: dict[str, str], indices: list[int]) -> dict[str, Any]:
    answer = http.post(f"/v1/evidence/{indices[0]}/certificate", json={"also": indices[1:]}, headers=headers)
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _anchor(runtime: LedgerRuntime) -> None:
    anchorer = EvidenceAnchorer(runtime)
    anchorer.every_entries = 1
    row = anchorer.run_once()
    assert row is not None
    assert runtime.outbox.wait(row.outbox_key, timeout=60).status == OutboxStatus.MINED


def test_an_evidence_certificate_names_the_anchored_checkpoint_its_entries_bundles_prove(
    client: Client, w3: Web3
) -> None:
    http, runtime, headers = client
    indices = _record(http, headers["party"], f"certified {datetime.now(UTC).isoformat()}", 3)
    _anchor(runtime)
    answer = http.post(
        f"/v1/evidence/{indices[0]}/certificate", json={"also": indices[1:]}, headers=headers["authority"]
    )
    assert answer.status_code == 201, answer.text
    issued = answer.json()
    document = issued["document"]
    assert document["schema_version"] == "drl.evidence-certificate/1"
    assert document["certificate_type"] == "evidence"
    assert document["issued_by"] == AUTHORITY
    number = decode_certificate_number(int(document["certificate_number"]))
    assert number.day == issue_day(int(datetime.now(UTC).timestamp()))
    assert [entry["index"] for entry in document["entries"]] == sorted(indices)
    for certified in document["entries"]:
        bundle_answer = http.get(f"/v1/evidence/{certified['index']}/bundle", headers=headers["party"])
        assert bundle_answer.status_code == 200, bundle_answer.text
        bundle = EvidenceBundle.model_validate(bundle_answer.json())
        verify_evidence_bundle(Web3AnchorReader(w3), bundle)
        assert certified["leaf_hash"] == "0x" + tlog.leaf_hash(bundle.entry.encode()).hex()
        assert document["checkpoint"]["signed_note"] == bundle.checkpoint.signed_note
        assert (document["chain_id"], document["evidence_anchors"], document["anchorer"], document["log_key"]) == (
            bundle.chain_id,
            bundle.evidence_anchors,
            bundle.anchorer,
            bundle.log_key,
        )
    checkpoint = verify_checkpoint(document["checkpoint"]["signed_note"], VerifierKey.parse(document["log_key"]))
    stated = document["checkpoint"]
    assert (stated["origin"], stated["size"], stated["root"]) == (
        checkpoint.origin,
        checkpoint.size,
        "0x" + checkpoint.root.hex(),
    )
    receipt = w3.eth.get_transaction_receipt(stated["anchoring_transaction"])
    assert receipt["status"] == 1
    assert receipt["blockNumber"] == stated["anchoring_block"]
    assert receipt["to"] == Web3.to_checksum_address(document["evidence_anchors"])
    block = runtime.ipfs.get_raw_block(issued["cid"], offline=True)
    assert "0x" + sha256(block).hex() == issued["document_digest"]
    assert parse_evidence_certificate(block).model_dump(mode="json") == document
    anchoring_entry = json.loads(runtime.evidence_log.entries(issued["log_index"], issued["log_index"] + 1)[0])
    assert (anchoring_entry["subject"], anchoring_entry["party"], anchoring_entry["kind"]) == (
        issued["document_digest"],
        AUTHORITY,
        "operation",
    )
    again = http.post(f"/v1/evidence/{indices[0]}/certificate", headers=headers["authority"])
    assert again.status_code == 201, again.text
    assert int(again.json()["number"]) == int(issued["number"]) + 1, "the day's sequence counts on"


def test_an_entry_no_anchored_checkpoint_includes_is_refused_a_certificate(client: Client) -> None:
    http, runtime, headers = client
    [anchored] = _record(http, headers["party"], f"anchored first {datetime.now(UTC).isoformat()}", 1)
    _anchor(runtime)
    [late] = _record(http, headers["party"], f"recorded after the anchor {datetime.now(UTC).isoformat()}", 1)
    answer = http.post(f"/v1/evidence/{late}/certificate", headers=headers["authority"])
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "evidence-not-anchored"
    batch = http.post(f"/v1/evidence/{anchored}/certificate", json={"also": [late]}, headers=headers["authority"])
    assert batch.status_code == 409, batch.text
    party = http.post(f"/v1/evidence/{late}/certificate", headers=headers["party"])
    assert party.status_code == 403, "only an authority certifies"


class _Crash(BaseException):
    """The process dying at that point (not an Exception: nothing may catch it)."""


def test_a_crash_between_logging_a_certificate_and_saving_it_is_finished_with_the_same_document(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    http, runtime, headers = client
    indices = _record(http, headers["party"], f"crash {datetime.now(UTC).isoformat()}", 2)
    _anchor(runtime)
    logged: list[evidence.Recorded] = []
    real_record = evidence.record

    def record_then_die(*args: Any, **kwargs: Any) -> list[evidence.Recorded]:
        logged.extend(real_record(*args, **kwargs))
        raise _Crash

    monkeypatch.setattr(evidence, "record", record_then_die)
    with pytest.raises(_Crash):
        certify_entries(runtime, AUTHORITY, indices)
    monkeypatch.setattr(evidence, "record", real_record)
    [entry] = logged
    with runtime.sessions() as session:
        [pending] = session.scalars(
            select(EvidenceCertificateRow).where(EvidenceCertificateRow.state == CertificateState.PENDING.value)
        )
    assert pending.log_index is None, "the intent was saved before logging, its outcome not yet"
    assert http.get(f"/v1/evidence-certificates/{pending.number}").status_code == 404, "not issued yet"

    later = http.post(f"/v1/evidence/{indices[0]}/certificate", headers=headers["authority"])
    assert later.status_code == 201, later.text
    assert int(later.json()["number"]) == pending.number + 1, "the next issue finished the pending one first"
    finished = http.get(f"/v1/evidence-certificates/{pending.number}")
    assert finished.status_code == 200, finished.text
    answer = finished.json()
    assert answer["document_digest"] == pending.document_digest, "the same document, not a new one"
    assert answer["log_index"] == entry.index, "logged once: the entry the crashed attempt logged"
    block = runtime.ipfs.get_raw_block(answer["cid"], offline=True)
    assert block.decode() == pending.document


def test_an_issued_evidence_certificate_reads_back_and_checks_out_against_the_log_and_the_chain(
    client: Client, w3: Web3, tmp_path: Path
) -> None:
    http, runtime, headers = client
    indices = _record(http, headers["party"], f"read back {datetime.now(UTC).isoformat()}", 3)
    _anchor(runtime)
    issued = http.post(
        f"/v1/evidence/{indices[0]}/certificate", json={"also": indices[1:]}, headers=headers["authority"]
    )
    assert issued.status_code == 201, issued.text
    _anchor(runtime)  # the certificate's own entry is anchored too
    answer = http.get(f"/v1/evidence-certificates/{issued.json()['number']}")
    assert answer.status_code == 200, answer.text
    assert answer.json() == issued.json()
    assert http.get("/v1/evidence-certificates/20000101000001").json()["code"] == "evidence-certificate-not-found"

    document = EvidenceCertificateDocument.model_validate(answer.json()["document"])
    copy = IssuedCopy(answer.json()["document_digest"], answer.json()["log_index"])
    log = runtime.evidence_log
    check = verify_evidence_certificate(document, log, Web3AnchorReader(w3), copy)
    assert (check.entries, check.against_log, check.against_chain, check.digest_logged) == (3, True, True, True)

    saved = tmp_path / "certificate.json"
    saved.write_text(json.dumps(answer.json()))
    cli = CliRunner().invoke(
        drl,
        [
            "verify-evidence-certificate",
            str(saved),
            "--log",
            runtime.settings.tlog_url,
            "--rpc",
            w3.provider.endpoint_uri,
        ],  # type: ignore[attr-defined]
    )
    assert cli.exit_code == 0, cli.output
    assert "evidence certificate verified" in cli.output


def _set(path: str, value: Callable[[Any], Any]) -> Callable[[dict[str, Any]], None]:
    """An edit of the document: the member at `path` (dotted, list positions as numbers) replaced by value(old)."""

    def edit(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[last] = value(node[last])

    return edit


EDITS = [
    ("entries[1].leaf_hash", _set("entries.1.leaf_hash", lambda _: "0x" + "00" * 32)),
    ("checkpoint.root", _set("checkpoint.root", lambda _: "0x" + "11" * 32)),
    ("checkpoint.size", _set("checkpoint.size", lambda size: size + 1)),
    ("checkpoint.signed_note", _set("checkpoint.signed_note", lambda note: note.replace("\n", "\n1", 1))),
    ("checkpoint.anchoring_block", _set("checkpoint.anchoring_block", lambda block: block + 1)),
    ("entries[0].index", _set("entries.0.index", lambda _: 10**9)),
    ("a member was changed", _set("statement", lambda _: "本证书证明权属。 This certificate evidences ownership.")),
]


def test_each_edited_member_of_an_evidence_certificate_is_named(client: Client, w3: Web3) -> None:
    http, runtime, headers = client
    indices = _record(http, headers["party"], f"edited {datetime.now(UTC).isoformat()}", 2)
    _anchor(runtime)
    issued = _certify(http, headers["authority"], indices)
    _anchor(runtime)
    logged = IssuedCopy(issued["document_digest"], issued["log_index"])
    for member, edit in EDITS:
        edited = copy.deepcopy(issued["document"])
        edit(edited)
        document = EvidenceCertificateDocument.model_validate(edited)
        with pytest.raises(EvidenceCertificateCheckError, match=re.escape(member)):
            verify_evidence_certificate(document, runtime.evidence_log, Web3AnchorReader(w3), logged)
