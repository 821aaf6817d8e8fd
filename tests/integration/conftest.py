"""Fixtures the integration suites share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from ledger.chain.deployment import Deployment, deploy
from ledger.stack.anvil import anvil_process
from ledger.stack.bootstrap import bootstrap_local_ledger
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

from ..conftest import free_port


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[tuple[Web3, Deployment]]:
    """A fresh ledger on its own anvil, for a test that needs a chain nobody else wrote to."""
    port = free_port()
    with anvil_process(tmp_path, port, LOCAL_CHAIN_ID, persist=False):
        w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}"))
        admin = dev_account(0, LOCAL_CHAIN_ID)
        deployment = deploy(w3, admin)
        bootstrap_local_ledger(w3, deployment, admin, notice_days=7, review_interval_days=365)
        yield w3, deployment
