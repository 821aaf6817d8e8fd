"""anvil's temporary states stay in the data directory, and what a stopped node left is removed at the next start."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from ledger.stack.anvil import HOME_DIR, anvil_environment, anvil_process
from ledger.stack.devkeys import LOCAL_CHAIN_ID

from ..conftest import free_port

pytestmark = pytest.mark.integration


def _user_states() -> set[str]:
    folder = Path.home() / ".foundry" / "anvil" / "tmp"
    return {entry.name for entry in folder.iterdir()} if folder.exists() else set()


def test_anvil_keeps_its_temporary_states_in_the_data_directory_and_the_next_start_clears_them(
    tmp_path: Path,
) -> None:
    before = _user_states()
    port = free_port()
    with anvil_process(tmp_path, port, LOCAL_CHAIN_ID, persist=False):
        # anvil moves states out of memory to disk past a few hundred blocks, and leaves them when it stops
        mine = {"jsonrpc": "2.0", "id": 1, "method": "anvil_mine", "params": [hex(1000)]}
        httpx.post(f"http://127.0.0.1:{port}", json=mine, timeout=60).raise_for_status()
    states = tmp_path / HOME_DIR / ".foundry" / "anvil" / "tmp"
    assert any(states.iterdir()), "anvil wrote no state under the HOME it was given"
    assert _user_states() == before  # nothing under the user's own ~/.foundry
    anvil_environment(tmp_path)  # the next node's start
    assert not states.exists()
