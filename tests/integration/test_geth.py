"""geth --dev as the ledger runs it: the local chain id, the development accounts funded, loopback only, and a
chain that survives a restart of the node."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from web3 import Web3

from ledger.chain.deployment import Deployment, deploy
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
from ledger.stack.geth import geth_process

from ..conftest import free_port

pytestmark = [pytest.mark.integration, pytest.mark.geth]


def test_geth_serves_the_local_chain_on_loopback_only_and_keeps_it_across_a_restart(tmp_path: Path) -> None:
    port = free_port()
    admin = dev_account(0, LOCAL_CHAIN_ID)
    with geth_process(tmp_path, port, free_port()) as node:
        w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}"))
        assert w3.eth.chain_id == LOCAL_CHAIN_ID
        assert w3.eth.get_balance(dev_account(19, LOCAL_CHAIN_ID).address) > 10**21
        assert node.pid is not None
        listening = _listening_addresses(node.pid)
        assert listening
        assert all(address == "0100007F" for address in listening), listening  # 127.0.0.1, nothing else
        deployment: Deployment = deploy(w3, admin)
    with geth_process(tmp_path, port, free_port()):
        assert w3.eth.get_code(deployment.registrations) != b""


def _listening_addresses(pid: int) -> list[str]:
    """The local IPv4 addresses (as /proc/net/tcp writes them) of the TCP sockets `pid` listens on; any IPv6
    listener is returned as its address too, which the caller then refuses."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    addresses = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                addresses.append(fields[1].split(":")[0])
    return addresses
