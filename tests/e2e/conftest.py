"""The service over real HTTP on loopback, against the session's Kubo and each chain in turn: every e2e test runs
on geth (marked `geth`, id `[geth]`) and on anvil (`[anvil]`).

`service` is parametrised by chain at session scope, so pytest groups the tests by chain and starts each
service once: geth's half first, so that geth and its service stop when anvil's half begins (a session fixture
otherwise lives to the end of the session). `anvil_service` is the service on anvil alone: the browser tests
import it."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from eth_account.signers.local import LocalAccount

from api.app import create_app
from api.client import LedgerClient
from api.tokens import Role, issue_token
from ledger.chain.keystore import import_key
from ledger.cli import run_background_workers
from ledger.config import Settings
from ledger.runtime import LedgerRuntime
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
from ledger.stack.tlog import VERIFIER_KEY_FILE

from ..conftest import Chain, free_port, running_geth


@dataclass
class Service:
    """The running service, the chain it runs on, and a client per role."""

    url: str
    runtime: LedgerRuntime
    tokens: dict[str, str]
    registrant: LocalAccount
    chain: Chain

    def client(self, role: str | None = None) -> LedgerClient:
        return LedgerClient(self.url, self.tokens[role] if role else None)


def eventually(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Polls `check` until it returns something truthy (the indexer runs in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.2)


@pytest.fixture(scope="session", params=[pytest.param("geth", marks=pytest.mark.geth), "anvil"])
def service(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    admin: LocalAccount,
    kubo_api: str,
    evidence_log_url: str,
    evidence_log_dir: Path,
) -> Iterator[Service]:
    """The service on the chain of the test's parameter."""
    if request.param == "anvil":
        yield request.getfixturevalue("anvil_service")
        return
    with running_geth(tmp_path_factory.mktemp("geth"), admin) as chain:
        yield from _running_service(tmp_path_factory, chain, kubo_api, evidence_log_url, evidence_log_dir)


@pytest.fixture(scope="session")
def anvil_service(
    tmp_path_factory: pytest.TempPathFactory,
    anvil_chain: Chain,
    kubo_api: str,
    evidence_log_url: str,
    evidence_log_dir: Path,
) -> Iterator[Service]:
    yield from _running_service(tmp_path_factory, anvil_chain, kubo_api, evidence_log_url, evidence_log_dir)


def _running_service(
    tmp_path_factory: pytest.TempPathFactory,
    chain: Chain,
    kubo_api: str,
    evidence_log_url: str,
    evidence_log_dir: Path,
) -> Iterator[Service]:
    data_dir: Path = tmp_path_factory.mktemp(f"service-{chain.name}")
    chain.deployment.save(data_dir / "deployment.json")
    (data_dir / "tlog").mkdir()
    shutil.copy(evidence_log_dir / VERIFIER_KEY_FILE, data_dir / "tlog" / VERIFIER_KEY_FILE)
    port = free_port()
    custodial = dev_account(9, LOCAL_CHAIN_ID)
    (data_dir / "custody-password").write_text("custody secret")
    import_key(data_dir / "keystore", custodial.key.hex(), "custody secret")
    settings = Settings(
        data_dir=data_dir,
        rpc_url=chain.url,
        ipfs_api_url=kubo_api,
        api_port=port,
        custody_addresses=[custodial.address],
        custody_password_file=data_dir / "custody-password",
        negative_list_file=data_dir / "negative-list.json",  # written by the tests that screen
        rate_limit_per_minute=0,  # the fuzz run sends hundreds of requests a minute from one address
        tlog_url=evidence_log_url,
    )
    runtime = LedgerRuntime(settings)
    app = create_app(runtime)
    registrant = dev_account(6, LOCAL_CHAIN_ID)
    chain.admit(registrant.address, "e2e registrant")
    chain.admit(custodial.address, "e2e custodial")
    with runtime.sessions.begin() as session:
        tokens = {
            "registrant": issue_token(session, registrant.address, [Role.REGISTRANT], "registrant"),
            "reviewer": issue_token(session, chain.admin.address, [Role.REVIEWER], "reviewer"),
            "authority": issue_token(session, chain.admin.address, [Role.AUTHORITY], "authority"),
            "regulator": issue_token(session, chain.admin.address, [Role.REGULATOR], "regulator"),
            "creditor": issue_token(session, chain.admin.address, [Role.REGISTRANT], "creditor"),
            "custodial": issue_token(session, custodial.address, [Role.REGISTRANT], "custodial registrant"),
        }
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    eventually(lambda: _up(url))
    stop = threading.Event()
    workers = run_background_workers(runtime, stop, interval=0.2)
    yield Service(url, runtime, tokens, registrant, chain)
    stop.set()
    server.should_exit = True
    thread.join(timeout=10)
    for worker in workers:
        worker.join(timeout=10)
    runtime.close()


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
