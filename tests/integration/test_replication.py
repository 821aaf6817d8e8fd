"""Replication over real Kubo nodes peered on loopback: R copies on write, reads that fall back and fail closed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.ipfs import ContentMismatchError, IpfsClient
from ledger.manifest.cid import raw_cid
from ledger.manifest.unixfs import CURRENT_PROFILE
from ledger.replication import BelowReplicasError, KuboSet

from ..conftest import free_port
from .kubo_set import KuboNodes, lying_node, running_kubo_set

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KuboNodes]:
    with running_kubo_set(tmp_path_factory.mktemp("kubo-set"), 3) as running:
        yield running


def _good_copies(pinset: KuboSet, cid: str, profile: object = None) -> list[str]:
    return [copy.node for copy in pinset.copies(cid, profile) if copy.good]  # type: ignore[arg-type]


def test_a_write_is_pinned_on_r_nodes(nodes: KuboNodes, tmp_path: Path) -> None:
    evidence = tmp_path / "evidence.csv"
    evidence.write_text("road,count\n" * 1000)
    with KuboSet.of(nodes.urls, replicas=2) as pinset:
        cid = pinset.put_raw_block(b'{"manifest":"replicated"}')
        assert cid == raw_cid(b'{"manifest":"replicated"}')
        assert _good_copies(pinset, cid) == nodes.urls[:2]
        file_cid = pinset.add_file(evidence)
        assert _good_copies(pinset, file_cid, CURRENT_PROFILE) == nodes.urls[:2]


def test_a_write_is_pinned_on_r_nodes_past_a_dead_one(nodes: KuboNodes) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with KuboSet.of([dead, *nodes.urls[1:]], replicas=2) as pinset:
        cid = pinset.put_raw_block(b"past a dead node")
        assert _good_copies(pinset, cid) == nodes.urls[1:]


def test_a_write_that_fewer_than_r_nodes_can_hold_is_refused(nodes: KuboNodes) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with KuboSet.of([dead, nodes.urls[0]], replicas=2) as pinset, pytest.raises(BelowReplicasError, match="1 of the 2"):
        pinset.put_raw_block(b"only one node is up")


def test_a_read_falls_back_to_the_next_node_when_one_lacks_the_content(nodes: KuboNodes) -> None:
    block = b"only on the third node"
    cid = IpfsClient(nodes.urls[2]).put_raw_block(block)
    with KuboSet.of(nodes.urls, replicas=2) as pinset:
        assert pinset.get_raw_block(cid, offline=True) == block


def test_a_node_returning_wrong_bytes_is_skipped_and_the_next_node_answers(nodes: KuboNodes) -> None:
    block = b"the true manifest"
    cid = IpfsClient(nodes.urls[0]).put_raw_block(block)
    with lying_node() as liar, KuboSet.of([liar, nodes.urls[0]], replicas=1) as pinset:
        assert pinset.get_raw_block(cid, offline=True) == block
        assert pinset.copies(cid)[0].problem is not None  # the liar's copy does not count


def test_a_read_only_a_lying_node_answers_fails_closed(nodes: KuboNodes) -> None:
    cid = raw_cid(b"nobody honest has this")
    with (
        lying_node() as liar,
        KuboSet.of([liar], replicas=1) as pinset,
        pytest.raises(ContentMismatchError, match="no node returned the right content"),
    ):
        pinset.get_raw_block(cid, offline=True)


def test_replicating_pins_by_cid_over_bitswap_until_r_nodes_hold_a_good_copy(nodes: KuboNodes, tmp_path: Path) -> None:
    evidence = tmp_path / "evidence.bin"
    evidence.write_bytes(bytes(range(256)) * 5000)  # several chunks
    cid = IpfsClient(nodes.urls[2]).add_file(evidence)
    block_cid = IpfsClient(nodes.urls[2]).put_raw_block(b"a certificate document")
    with KuboSet.of(nodes.urls, replicas=2) as pinset:
        assert _good_copies(pinset, cid, CURRENT_PROFILE) == [nodes.urls[2]]
        assert pinset.replicate(cid, CURRENT_PROFILE) == [nodes.urls[0]]
        assert _good_copies(pinset, cid, CURRENT_PROFILE) == [nodes.urls[0], nodes.urls[2]]
        assert pinset.replicate(block_cid) == [nodes.urls[0]]
        assert pinset.replicate(block_cid) == []  # already at R
