"""The second EVM client: go-ethereum in developer mode on 127.0.0.1, its chain kept in its own datadir.

`geth --dev` runs a single-node proof-of-stake chain (a simulated beacon seals a block every
`block_period` seconds) with no peer-to-peer networking at all: dev mode turns the listener, dialling and
discovery off, and `--nodiscover --maxpeers 0` say so again. HTTP JSON-RPC and the engine API listen on
loopback only; there is no IPC socket.

The chain starts from the dev genesis geth itself prints (`geth --dev dumpgenesis`: the fork schedule and
system contracts of this geth version) with two changes: the chain id of the local chain, so that the
development accounts and everything bound to the chain id work as on anvil, and those accounts funded in
the genesis allocation. The genesis is written once, when the datadir is empty; a restart resumes the chain
on disk. Nothing anvil-only is needed: time passes in real time, so a local authority on geth gets a notice
period of seconds.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from ledger.stack.anvil import rpc_ready
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
from ledger.stack.process import ManagedProcess
from ledger.toolchain import GETH

FUNDED_ACCOUNTS = 20  # the development accounts anvil funds, funded alike
FUNDS_WEI = 10_000 * 10**18


def dev_genesis() -> dict[str, Any]:
    """geth's own dev genesis with the local chain id and the development accounts funded."""
    printed = subprocess.run(  # noqa: S603 - the project's own tool
        [str(GETH.path), "--dev", "dumpgenesis"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    genesis: dict[str, Any] = json.loads(printed[printed.index("{") :])
    genesis["config"]["chainId"] = LOCAL_CHAIN_ID
    for index in range(FUNDED_ACCOUNTS):
        address = dev_account(index, LOCAL_CHAIN_ID).address.lower().removeprefix("0x")
        genesis["alloc"][address] = {"balance": hex(FUNDS_WEI)}
    return genesis


def init_datadir(datadir: Path) -> None:
    """Writes the genesis into an empty datadir (`geth init`); a datadir with a chain is left as it is."""
    if (datadir / "geth" / "chaindata").exists():
        return
    datadir.mkdir(mode=0o700, parents=True, exist_ok=True)
    genesis_file = datadir / "genesis.json"
    genesis_file.write_text(json.dumps(dev_genesis()))
    subprocess.run(  # noqa: S603 - the project's own tool
        [str(GETH.path), "init", "--datadir", str(datadir), str(genesis_file)],
        capture_output=True,
        check=True,
        timeout=120,
    )


def geth_process(data_dir: Path, port: int, auth_port: int, *, block_period: int = 1) -> ManagedProcess:
    """A geth --dev node answering JSON-RPC on 127.0.0.1:`port`, its chain in `data_dir/geth`.

    `auth_port` is the engine API's (loopback, unused by the ledger; set so that two nodes never collide).
    """
    datadir = data_dir / "geth"
    init_datadir(datadir)
    argv = [
        str(GETH.path),
        "--dev",
        "--dev.period",
        str(block_period),
        "--datadir",
        str(datadir),
        "--http",
        "--http.addr",
        "127.0.0.1",
        "--http.port",
        str(port),
        "--http.vhosts",
        "localhost,127.0.0.1",
        "--http.api",
        "eth,net,web3,debug,txpool",
        "--authrpc.addr",
        "127.0.0.1",
        "--authrpc.port",
        str(auth_port),
        "--ipcdisable",
        "--nodiscover",
        "--maxpeers",
        "0",
        "--nat",
        "none",
        "--verbosity",
        "2",
    ]
    url = f"http://127.0.0.1:{port}"
    return ManagedProcess("geth", argv, data_dir / "logs" / "geth.log", ready=lambda: rpc_ready(url))
