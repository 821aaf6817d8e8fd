"""The embedded chain: anvil on 127.0.0.1 with its state persisted in the data directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx

from ledger.stack.process import ManagedProcess
from ledger.toolchain import ANVIL

STATE_FILE = "anvil-state.json"  # in the data directory: the chain state a persisting anvil loads and dumps
HOME_DIR = "anvil-home"  # in the data directory: the HOME anvil runs with (see `anvil_environment`)


def rpc_ready(rpc_url: str) -> bool:
    """Whether a JSON-RPC endpoint answers `eth_chainId`."""
    response = httpx.post(rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=2)
    return response.status_code == 200 and "result" in response.json()


def anvil_environment(data_dir: Path) -> dict[str, str]:
    """The environment anvil runs with: a HOME of its own in `data_dir`, emptied first.

    anvil writes the states it moves out of memory into a temporary directory under `$HOME/.foundry/anvil/tmp`
    (gigabytes after a few thousand blocks), and a node that is killed, or stopped before it tidies up, leaves it
    there: 52 GB of them filled this machine's disk in one day of tests and benchmarks. Under a HOME of its own
    they go with the data directory, and whatever an earlier node left is removed before the next one starts
    (one node per data directory: nothing else uses them)."""
    home = data_dir / HOME_DIR
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    return {"HOME": str(home)}


def anvil_process(
    data_dir: Path, port: int, chain_id: int, *, persist: bool = True, steps_tracing: bool = False
) -> ManagedProcess:
    """An anvil node listening on 127.0.0.1:`port`.

    With `persist`, the chain state is loaded from and saved to `data_dir/anvil-state.json` (every few
    seconds and on exit), so registrations survive a restart of the embedded stack. With `steps_tracing`,
    `debug_traceTransaction` returns each opcode's gas (the gas breakdown benchmark needs it).
    """
    argv = [
        str(ANVIL.path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--chain-id",
        str(chain_id),
        "--silent",
    ]
    if steps_tracing:
        argv.append("--steps-tracing")
    if persist:
        argv += ["--state", str(data_dir / STATE_FILE), "--state-interval", "5"]
    url = f"http://127.0.0.1:{port}"
    return ManagedProcess(
        "anvil", argv, data_dir / "logs" / "anvil.log", ready=lambda: rpc_ready(url), env=anvil_environment(data_dir)
    )
