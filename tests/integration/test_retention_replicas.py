"""`drl retention check` and `drl retention repair` over three real Kubo nodes, one of them killed."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from ledger.chain.deployment import Deployment
from ledger.ipfs import IpfsClient
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

from .kubo_set import KuboNodes, running_kubo_set
from .registry import transact
from .test_cli import PASSWORD, _dataset, _metadata, drl

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KuboNodes]:
    with running_kubo_set(tmp_path_factory.mktemp("kubo-set"), 3) as running:
        yield running


@pytest.fixture(scope="module")
def workspace(
    tmp_path_factory: pytest.TempPathFactory, private_chain: tuple[Web3, Deployment], nodes: KuboNodes
) -> Iterator[Path]:
    """A ledger on its own chain whose content is replicated at R=2 over the three nodes, with a registrant key."""
    chain, deployed = private_chain
    data_dir = tmp_path_factory.mktemp("drl")
    deployed.save(data_dir / "deployment.json")
    (data_dir / "password").write_text(PASSWORD)
    registrant = dev_account(5, LOCAL_CHAIN_ID)
    access = deployed.contract(chain, "LedgerAccess")
    transact(
        chain, dev_account(0, LOCAL_CHAIN_ID), access.functions.admitParty(registrant.address, Web3.keccak(text="r"))
    )
    patch = pytest.MonkeyPatch()
    patch.setenv("DRL_DATA_DIR", str(data_dir))
    patch.setenv("DRL_RPC_URL", str(chain.provider.endpoint_uri))  # type: ignore[attr-defined]
    patch.setenv("DRL_IPFS_NODES", json.dumps(nodes.urls))
    patch.setenv("DRL_IPFS_REPLICAS", "2")
    patch.delenv("DRL_KEYSTORE_PASSWORD", raising=False)
    key_file = data_dir / "key.hex"
    key_file.write_text(registrant.key.hex())
    assert drl("keys", "import", str(key_file), "--password-file", str(data_dir / "password")).exit_code == 0
    for name in ("first", "second"):
        metadata = _metadata(data_dir, registrant.address, name)
        registered = drl("register", "--data", str(_dataset(data_dir, name)), "--metadata", str(metadata),
                         "--password-file", str(data_dir / "password"))  # fmt: skip
        assert registered.exit_code == 0, registered.output
    yield data_dir
    patch.undo()


def test_a_killed_node_leaves_items_below_r_and_repair_restores_r_on_the_others(
    workspace: Path, nodes: KuboNodes
) -> None:
    healthy = drl("retention", "check", "--json")
    assert healthy.exit_code == 0, healthy.output
    assert json.loads(healthy.stdout)["checked"] == 2
    assert json.loads(healthy.stdout)["replicas"] == 2

    pid = nodes.processes[0].pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)

    deficit = drl("retention", "check", "--json")
    assert deficit.exit_code == 1
    missing = json.loads(deficit.stdout)["missing"]
    assert len(missing) == 2
    assert all(item["copies"] == 1 and item["nodes"][nodes.urls[0]] == "node unreachable" for item in missing)
    assert all(item["nodes"][nodes.urls[2]] == "not in the node's store" for item in missing)

    repaired = drl("retention", "repair", "--json")
    assert repaired.exit_code == 0, repaired.output
    report = json.loads(repaired.stdout)
    assert sorted(item["cid"] for item in report["repaired"]) == sorted(item["cid"] for item in missing)
    assert all(item["pinned_on"] == [nodes.urls[2]] for item in report["repaired"])
    assert all(IpfsClient(nodes.urls[2]).is_pinned(item["cid"]) for item in missing)
    assert drl("retention", "check").exit_code == 0
