"""Anchoring the evidence log's checkpoints on chain: every N entries, once each, whatever crashes in between."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner
from web3 import Web3

from ledger import evidence
from ledger.chain.deployment import Deployment
from ledger.cli import app as drl
from ledger.config import Settings
from ledger.evidence import EvidenceItem
from ledger.evidence_anchoring import EvidenceAnchorer, anchor_key, origin_digest
from ledger.evidence_bundles import Web3AnchorReader, evidence_bundle, registered_evidence
from ledger.outbox import OutboxStatus, OutboxWrite
from ledger.proofs import tlog
from ledger.proofs.tlog_bundle import (
    AnchoredCheckpoint,
    EvidenceBundle,
    EvidenceBundleError,
    check_offline,
    verify_evidence_bundle,
)
from ledger.runtime import LedgerRuntime
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
from ledger.stack.tlog import VERIFIER_KEY_FILE
from ledger.writes import send

pytestmark = pytest.mark.integration
PARTY = dev_account(4, LOCAL_CHAIN_ID).address


@pytest.fixture
def runtime(
    tmp_path: Path, anvil_url: str, deployment: Deployment, own_evidence_log_url: str, own_evidence_log_dir: Path
) -> Iterator[LedgerRuntime]:
    (tmp_path / "tlog").mkdir()
    shutil.copy(own_evidence_log_dir / VERIFIER_KEY_FILE, tmp_path / "tlog" / VERIFIER_KEY_FILE)
    deployment.save(tmp_path / "deployment.json")
    settings = Settings(
        data_dir=tmp_path,
        rpc_url=anvil_url,
        tlog_url=own_evidence_log_url,
        tlog_anchor_every_entries=5,
        tlog_anchor_every_seconds=3600,
    )
    runtime = LedgerRuntime(settings)
    yield runtime
    runtime.close()


def _record(runtime: LedgerRuntime, tag: str, count: int) -> list[evidence.Recorded]:
    items = [
        EvidenceItem(kind="access", subject="0x" + hashlib.sha256(f"{tag} {n}".encode()).hexdigest())
        for n in range(count)
    ]
    with runtime.sessions() as session:
        return evidence.record(session, runtime.evidence_log, PARTY, items)


def _settle(runtime: LedgerRuntime, key: str) -> None:
    result = runtime.outbox.wait(key, timeout=60)
    assert result.status == OutboxStatus.MINED, result


def test_a_checkpoint_is_anchored_once_n_entries_are_new_and_its_entries_prove_on_chain(
    runtime: LedgerRuntime, w3: Web3
) -> None:
    anchorer = EvidenceAnchorer(runtime)
    recorded = _record(runtime, "anchored", 7)
    row = anchorer.run_once()
    assert row is not None
    _settle(runtime, row.outbox_key)
    anchors = runtime.contracts
    root = bytes.fromhex(row.root[2:])
    anchor = anchors.call("EvidenceAnchors", "anchorOf", runtime.relayer.address, root)
    assert anchor[0] == row.size
    log = runtime.evidence_log
    for entry in recorded:
        proof = log.inclusion_proof(entry.index, row.size)
        leaf_hash = bytes.fromhex(entry.leaf_hash[2:])
        assert anchors.call(
            "EvidenceAnchors", "verifyLogInclusion", runtime.relayer.address, root, entry.index, leaf_hash, proof
        )
    assert anchorer.run_once() is None, "nothing new: nothing to anchor"
    _record(runtime, "too few", 2)
    assert anchorer.run_once() is None, "fewer than N new entries and not yet T seconds"
    events = w3.eth.get_logs(
        {"address": runtime.deployment.evidence_anchors, "fromBlock": 0, "topics": [None, "0x" + root.hex()]}
    )
    assert len(events) == 1
    assert events[0]["data"][-32:] == origin_digest(row.origin)


def test_a_crash_after_queueing_the_anchor_neither_loses_nor_repeats_it(runtime: LedgerRuntime) -> None:
    _record(runtime, "before the crash", 6)
    checkpoint = runtime.evidence_log.checkpoint()
    # The process queued the anchor and died before recording the checkpoint.
    write = runtime.contracts.write(
        "EvidenceAnchors", "anchor", checkpoint.root, checkpoint.size, origin_digest(checkpoint.origin)
    )
    send(runtime, write, sender=runtime.relayer.address, key=anchor_key(checkpoint))
    restarted = EvidenceAnchorer(runtime)
    row = restarted.run_once()
    assert row is not None
    assert row.outbox_key == anchor_key(checkpoint)
    _settle(runtime, row.outbox_key)
    with runtime.sessions() as session:
        queued = session.scalar(select(func.count()).where(OutboxWrite.idempotency_key == row.outbox_key))
    assert queued == 1
    assert restarted.run_once() is None


def test_entries_accepted_before_a_crash_are_anchored_by_the_next_process(runtime: LedgerRuntime) -> None:
    recorded = _record(runtime, "accepted, then the service died", 5)
    row = EvidenceAnchorer(runtime).run_once()
    assert row is not None
    assert row.size > max(entry.index for entry in recorded)
    _settle(runtime, row.outbox_key)
    checkpoint_root = bytes.fromhex(row.root[2:])
    proof = runtime.evidence_log.inclusion_proof(recorded[-1].index, row.size)
    tlog.verify_inclusion(
        recorded[-1].index, row.size, bytes.fromhex(recorded[-1].leaf_hash[2:]), proof, checkpoint_root
    )


def test_an_evidence_bundle_proves_inclusion_and_consistency_against_anchors_and_drl_verify_bundle_checks_it(
    runtime: LedgerRuntime, anvil_url: str, tmp_path: Path
) -> None:
    anchorer = EvidenceAnchorer(runtime)
    _record(runtime, "first anchored batch", 5)
    first = anchorer.run_once()
    assert first is not None
    _settle(runtime, first.outbox_key)
    later = _record(runtime, "second anchored batch", 5)
    second = anchorer.run_once()
    assert second is not None
    _settle(runtime, second.outbox_key)

    bundle = evidence_bundle(runtime, later[0].index)
    assert bundle.consistency is not None
    path = tmp_path / "evidence-bundle.json"
    path.write_text(bundle.model_dump_json(by_alias=True, exclude_none=True))
    verified = CliRunner().invoke(drl, ["verify-bundle", str(path), "--rpc", anvil_url])
    assert verified.exit_code == 0, verified.output
    assert "consistent with the anchored checkpoint before it" in verified.output

    forged = bundle.model_copy(update={"entry": bundle.entry.replace("access", "trade")})
    path.write_text(forged.model_dump_json(by_alias=True, exclude_none=True))
    refused = CliRunner().invoke(drl, ["verify-bundle", str(path), "--rpc", anvil_url])
    assert refused.exit_code == 1, refused.output


def test_a_bundle_whose_checkpoint_was_never_anchored_is_refused(runtime: LedgerRuntime) -> None:
    recorded = _record(runtime, "never anchored", 3)
    log = runtime.evidence_log
    checkpoint = log.checkpoint()
    leaf = log.entries(recorded[0].index, recorded[0].index + 1)[0]
    bundle = EvidenceBundle(
        chain_id=runtime.deployment.chain_id,
        evidence_anchors=runtime.deployment.evidence_anchors,
        anchorer=runtime.relayer.address,
        log_key=log.key.encode(),
        entry=leaf.decode(),
        index=recorded[0].index,
        checkpoint=AnchoredCheckpoint(signed_note=checkpoint.text),
        inclusion_proof=["0x" + p.hex() for p in log.inclusion_proof(recorded[0].index, checkpoint.size)],
    )
    check_offline(bundle)
    with pytest.raises(EvidenceBundleError, match="not anchored"):
        verify_evidence_bundle(Web3AnchorReader(runtime.w3), bundle)


def test_the_verification_report_lists_a_registrations_entries_with_the_anchored_checkpoint_that_includes_them(
    runtime: LedgerRuntime,
) -> None:
    registration_id = int.from_bytes(hashlib.sha256(str(runtime.settings.data_dir).encode()).digest()[:4]) + 1

    def named(tag: str) -> list[evidence.Recorded]:
        items = [
            EvidenceItem(
                kind="usage",
                subject="0x" + hashlib.sha256(f"{tag} {registration_id} {n}".encode()).hexdigest(),
                registration_id=registration_id,
            )
            for n in range(3)
        ]
        with runtime.sessions() as session:
            return evidence.record(session, runtime.evidence_log, PARTY, items)

    early = named("anchored")
    anchorer = EvidenceAnchorer(runtime)
    anchorer.every_entries = 1
    row = anchorer.run_once()
    assert row is not None
    _settle(runtime, row.outbox_key)
    late = named("after the anchor")
    with runtime.sessions() as session:
        listed = {entry.index: entry for entry in registered_evidence(session, registration_id)}
    assert set(listed) == {recorded.index for recorded in early + late}
    for recorded in early:
        assert (listed[recorded.index].anchored_size, listed[recorded.index].anchored_root) == (row.size, row.root)
        assert listed[recorded.index].leaf_hash == recorded.leaf_hash
        proof = runtime.evidence_log.inclusion_proof(recorded.index, row.size)
        tlog.verify_inclusion(
            recorded.index, row.size, bytes.fromhex(recorded.leaf_hash[2:]), proof, bytes.fromhex(row.root[2:])
        )
    assert all(listed[recorded.index].anchored_size is None for recorded in late), "not anchored yet"
