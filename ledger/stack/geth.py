"""The second EVM client: go-ethereum in developer mode on 127.0.0.1, its chain kept in its own datadir.

`geth --dev` runs a single-node proof-of-stake chain (a simulated beacon seals a block every
`block_period` seconds) with no peer-to-peer networking at all: dev mode turns the listener, dialling and
discovery off, and `--nodiscover --maxpeers 0` say so again. HTTP JSON-RPC and the engine API listen on
loopback only; there is no IPC socket.

The chain starts from the dev genesis geth itself prints (`geth --dev dumpgenesis`: the fork schedule and
system contracts of this geth version) with two changes: the chain id of the local chain, so that the
development accounts and everything bound to the chain id work as on anvil, and those accounts funded in
the genesis allocation. The genesis is written once, when the datadir is empty; a restart resumes the chain
on disk. Nothing anvil-only is needed: time passes in real time.

By default geth keeps recent state in memory (the path scheme's diff layers) and writes it out on a clean
stop: a geth killed outright comes back at the last state it wrote, which on a small dev chain is the genesis.
`crash_safe` runs the hash scheme as an archive node instead, which writes every block's state as the block is
sealed, on LevelDB, which hands every write to the operating system before it returns (geth's Pebble buffers its
log in the process: a node killed just after a block lost that block in a test). A killed node then resumes at
the block it last sealed; a power cut can still lose what the OS had not written (neither engine syncs).
The embedded stack runs geth so.
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

DATADIR = "geth"  # in the data directory: geth's own datadir (its database and keys)
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


# The state scheme and database engine of a crash-safe datadir: fixed at `geth init`, repeated on every start,
# where `--gcmode archive` is added, and `--cache 256` (MiB; at geth's default 1,024 the node's peak RSS was
# 1,201 MiB against 310 after 1,900 blocks, for the same CPU: docs/topology.md).
CRASH_SAFE_FLAGS = ("--state.scheme", "hash", "--db.engine", "leveldb")


def init_datadir(datadir: Path, *, crash_safe: bool = False) -> None:
    """Writes the genesis into an empty datadir (`geth init`); a datadir with a chain is left as it is.

    The state scheme and engine are fixed here, at the first write: see CRASH_SAFE_FLAGS.
    """
    if (datadir / "geth" / "chaindata").exists():
        return
    datadir.mkdir(mode=0o700, parents=True, exist_ok=True)
    genesis_file = datadir / "genesis.json"
    genesis_file.write_text(json.dumps(dev_genesis()))
    scheme = CRASH_SAFE_FLAGS if crash_safe else ()
    subprocess.run(  # noqa: S603 - the project's own tool
        [str(GETH.path), "init", *scheme, "--datadir", str(datadir), str(genesis_file)],
        capture_output=True,
        check=True,
        timeout=120,
    )


def geth_process(
    data_dir: Path, port: int, auth_port: int, *, block_period: int = 1, crash_safe: bool = False
) -> ManagedProcess:
    """A geth --dev node answering JSON-RPC on 127.0.0.1:`port`, its chain in `data_dir/geth`.

    `auth_port` is the engine API's (loopback, unused by the ledger; set so that two nodes never collide).
    `block_period` 0 seals a block as soon as a transaction waits (anvil's automine); `crash_safe` writes
    every block's state to disk as it is sealed (see the module's docstring).
    """
    datadir = data_dir / DATADIR
    init_datadir(datadir, crash_safe=crash_safe)
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
    if crash_safe:
        argv += [*CRASH_SAFE_FLAGS, "--gcmode", "archive", "--cache", "256"]
    url = f"http://127.0.0.1:{port}"
    return ManagedProcess("geth", argv, data_dir / "logs" / "geth.log", ready=lambda: rpc_ready(url))
