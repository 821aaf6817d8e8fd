"""The evidence log as Tessera writes it: the Python verifier checks Tessera's own checkpoints, tiles and bundles."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from ledger.evidence_log import EvidenceLog, LogUnavailableError
from ledger.proofs import tlog
from ledger.stack.tlog import ensure_log_key, tlog_process
from tests.conftest import EVIDENCE_ORIGIN, free_port


def _log(url: str, directory: Path) -> EvidenceLog:
    return EvidenceLog(url, ensure_log_key(directory, EVIDENCE_ORIGIN))


def test_every_entry_tessera_accepts_is_proven_included_from_its_tiles(
    evidence_log_url: str, evidence_log_dir: Path
) -> None:
    log = _log(evidence_log_url, evidence_log_dir)
    entries = [f"inclusion entry {i}".encode() for i in range(600)]
    appended = log.add(entries)
    checkpoint = appended.checkpoint
    assert checkpoint.size >= max(appended.indices) + 1
    for entry, index in zip(entries, appended.indices, strict=True):
        proof = log.inclusion_proof(index, checkpoint.size)
        tlog.verify_inclusion(index, checkpoint.size, tlog.leaf_hash(entry), proof, checkpoint.root)
    assert log.entries(appended.indices[0], appended.indices[-1] + 1) == entries


def test_a_later_checkpoint_is_proven_consistent_with_an_earlier_one(
    evidence_log_url: str, evidence_log_dir: Path
) -> None:
    log = _log(evidence_log_url, evidence_log_dir)
    first = log.add([f"before {i}".encode() for i in range(300)]).checkpoint
    second = log.add([f"after {i}".encode() for i in range(517)]).checkpoint
    proof = log.consistency_proof(first.size, second.size)
    tlog.verify_consistency(first.size, second.size, proof, first.root, second.root)


def test_a_repeated_entry_keeps_its_first_index(evidence_log_url: str, evidence_log_dir: Path) -> None:
    log = _log(evidence_log_url, evidence_log_dir)
    first = log.add([b"the same entry twice"])
    again = log.add([b"the same entry twice"])
    assert again.indices == first.indices
    assert again.duplicates == [True]


def test_accepted_entries_survive_a_restart_of_the_log(tmp_path: Path) -> None:
    directory = tmp_path / "tlog"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tlog_process(directory, port, EVIDENCE_ORIGIN):
        appended = _log(url, directory).add([b"durable 1", b"durable 2"])
    with tlog_process(directory, port, EVIDENCE_ORIGIN):
        log = _log(url, directory)
        checkpoint = log.checkpoint()
        assert checkpoint.size >= 2
        assert log.entries(appended.indices[0], appended.indices[1] + 1) == [b"durable 1", b"durable 2"]
        proof = log.inclusion_proof(appended.indices[1], checkpoint.size)
        tlog.verify_inclusion(
            appended.indices[1], checkpoint.size, tlog.leaf_hash(b"durable 2"), proof, checkpoint.root
        )


def test_a_batch_tessera_pushes_back_is_added_again_whole_and_answered(tmp_path: Path) -> None:
    """Tessera pushes back every add while its duplicate index (followed once a second) is 2,048 entries or more
    behind. `tlog serve` retried a pushed-back batch one entry at a time, each awaiting a checkpoint cycle of its
    own: a batch of hundreds outlasted its 30 s of patience and was answered 503 (the one-worker benchmark's
    refusals). Writers of large batches at once make Tessera push back; every batch must still be answered, soon."""
    directory = tmp_path / "tlog"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process_log = tmp_path / "logs" / "tlog.log"
    answered: list[list[int]] = []
    refused: list[str] = []
    with tlog_process(directory, port, EVIDENCE_ORIGIN):
        key = ensure_log_key(directory, EVIDENCE_ORIGIN)
        deadline = time.monotonic() + 60

        def writer(n: int) -> None:
            log = EvidenceLog(url, key, timeout=20)  # pushed back one by one, a batch took 30 s and more
            try:
                batch = 0
                while time.monotonic() < deadline and "pushed back" not in process_log.read_text():
                    entries = [f"writer {n} batch {batch} entry {i}".encode() for i in range(3000)]
                    answered.append(log.add(entries).indices)
                    batch += 1
            except LogUnavailableError as error:
                refused.append(str(error))
            finally:
                log.close()

        writers = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for thread in writers:
            thread.start()
        for thread in writers:
            thread.join()
        assert refused == []
        assert "pushed back" in process_log.read_text(), "Tessera never pushed back: the test proved nothing"
    indices = [index for batch in answered for index in batch]
    assert len(set(indices)) == len(indices) == 3000 * len(answered)
