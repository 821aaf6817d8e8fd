"""`/readyz` on a real anvil and Kubo: unready with a reason code when the outbox cannot write, and no internals."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web3 import Web3

from api.app import create_app
from api.tokens import Role, issue_token
from ledger.chain.deployment import Deployment
from ledger.config import Settings
from ledger.outbox import Outbox, OutboxPolicy
from ledger.runtime import LedgerRuntime
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

pytestmark = pytest.mark.integration
RELAYER = dev_account(0, LOCAL_CHAIN_ID)


def _until(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
    return result


@pytest.fixture
def runtime(private_chain: tuple[Web3, Deployment], kubo_api: str, tmp_path: Path) -> Iterator[LedgerRuntime]:
    w3, deployment = private_chain
    deployment.save(tmp_path / "deployment.json")
    settings = Settings(
        data_dir=tmp_path,
        rpc_url=w3.provider.endpoint_uri,  # type: ignore[attr-defined]
        ipfs_api_url=kubo_api,
        outbox_max_queue_age_seconds=1,
        rate_limit_per_minute=0,
    )
    ledger = LedgerRuntime(settings)
    ledger.__dict__["outbox"] = Outbox(  # the runtime's outbox, polling often
        ledger.sessions, ledger.w3, ledger.custody, OutboxPolicy(poll_interval=0.05, backoff_ceiling=0.2)
    )
    yield ledger
    ledger.close()


def _ready(client: TestClient, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    response = client.get("/readyz", headers=headers)
    return response.status_code, response.json()


def test_readiness_reports_an_unfunded_relayer_and_a_stalled_queue_by_code_only(
    private_chain: tuple[Web3, Deployment], runtime: LedgerRuntime, kubo_api: str
) -> None:
    w3, deployment = private_chain
    client = TestClient(create_app(runtime))
    with runtime.sessions.begin() as session:
        admin_token = issue_token(session, RELAYER.address, [Role.ADMIN], "operator")
    status, body = _ready(client)
    assert (status, body) == (200, {"ready": True, "reasons": []})

    stop = threading.Event()
    worker = threading.Thread(target=runtime.outbox.run_forever, args=(stop,), daemon=True)
    balance = w3.eth.get_balance(RELAYER.address)
    w3.provider.make_request("anvil_setBalance", [RELAYER.address, hex(0)])  # type: ignore[arg-type]
    try:
        worker.start()
        who = dev_account(14, LOCAL_CHAIN_ID).address
        call = deployment.contract(w3, "LedgerAccess").functions.admitParty(who, Web3.keccak(text="readiness"))
        data = bytes.fromhex(call._encode_transaction_data()[2:])
        runtime.outbox.enqueue("readiness", RELAYER.address, deployment.ledger_access, data, "admitParty")
        _until(lambda: {"outbox_insufficient_funds", "outbox_stalled"} <= set(_ready(client)[1]["reasons"]))
        status, body = _ready(client)
        assert status == 503
        assert set(body) == {"ready", "reasons"}
        text = client.get("/readyz").text
        assert kubo_api not in text
        assert "version" not in text
        assert "127.0.0.1" not in text
        status, admin_view = _ready(client, {"Authorization": f"Bearer {admin_token}"})
        assert "insufficient_funds" in admin_view["details"]["outbox_problems"]
        assert admin_view["details"]["ipfs_version"]
        assert admin_view["details"]["chain_client"].startswith("anvil/")  # the chain client, named to an admin only
    finally:
        w3.provider.make_request("anvil_setBalance", [RELAYER.address, hex(balance)])  # type: ignore[arg-type]
    _until(lambda: _ready(client)[0] == 200)
    stop.set()
    worker.join(timeout=30)
    assert _ready(client)[1]["reasons"] == ["outbox_worker_stopped"]
