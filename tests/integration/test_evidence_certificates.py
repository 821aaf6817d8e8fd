"""Evidence certificates of log entries (issue 15): issued only for anchored entries, naming what their bundles
prove, pinned on IPFS and anchored by the log itself."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web3 import Web3

from api.app import create_app
from api.tokens import Role, issue_token
from ledger.chain.deployment import Deployment
from ledger.chain.ids import decode_certificate_number, issue_day
from ledger.config import Settings
from ledger.evidence_anchoring import EvidenceAnchorer
from ledger.evidence_bundles import Web3AnchorReader
from ledger.manifest.canonical import sha256
from ledger.outbox import OutboxStatus
from ledger.proofs import tlog
from ledger.proofs.tlog_bundle import EvidenceBundle, verify_evidence_bundle
from ledger.proofs.tlog_certificate import parse_evidence_certificate
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
    evidence_log_url: str,
    evidence_log_dir: Path,
) -> Iterator[Client]:
    (tmp_path / "tlog").mkdir()
    shutil.copy(evidence_log_dir / VERIFIER_KEY_FILE, tmp_path / "tlog" / VERIFIER_KEY_FILE)
    deployment.save(tmp_path / "deployment.json")
    settings = Settings(
        data_dir=tmp_path,
        rpc_url=anvil_url,
        ipfs_api_url=kubo_api,
        tlog_url=evidence_log_url,
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
