"""The embedded chain: anvil on 127.0.0.1 with its state persisted in the data directory."""

from __future__ import annotations

from pathlib import Path

import httpx

from ledger.stack.process import ManagedProcess
from ledger.toolchain import ANVIL

STATE_FILE = "anvil-state.json"  # in the data directory: the chain state a persisting anvil loads and dumps


def rpc_ready(rpc_url: str) -> bool:
    """Whether a JSON-RPC endpoint answers `eth_chainId`."""
    response = httpx.post(rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=2)
    return response.status_code == 200 and "result" in response.json()


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
    return ManagedProcess("anvil", argv, data_dir / "logs" / "anvil.log", ready=lambda: rpc_ready(url))
