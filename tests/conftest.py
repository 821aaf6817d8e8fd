"""Fixtures that start the real components once per session: anvil (and geth) and Kubo on free loopback ports."""

from __future__ import annotations

import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from sqlalchemy import create_engine, make_url, text
from web3 import Web3

from ledger.chain.deployment import Deployment, deploy
from ledger.stack.anvil import anvil_process
from ledger.stack.bootstrap import bootstrap_local_ledger
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
from ledger.stack.geth import geth_process
from ledger.stack.kubo import kubo_process
from ledger.stack.postgres import init_cluster, postgres_process


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def anvil_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh anvil chain for the session."""
    port = free_port()
    with anvil_process(tmp_path_factory.mktemp("anvil"), port, LOCAL_CHAIN_ID, persist=False):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def kubo_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, isolated Kubo node for the session; yields its RPC API URL."""
    api_port = free_port()
    process = kubo_process(tmp_path_factory.mktemp("kubo"), api_port, free_port(), free_port())
    with process:
        yield f"http://127.0.0.1:{api_port}"


@pytest.fixture(scope="session")
def w3(anvil_url: str) -> Web3:
    return Web3(Web3.HTTPProvider(anvil_url))


@pytest.fixture(scope="session")
def admin() -> LocalAccount:
    return dev_account(0, LOCAL_CHAIN_ID)


@pytest.fixture(scope="session")
def deployment(w3: Web3, admin: LocalAccount) -> Deployment:
    """The ledger deployed on the session's chain, with the admin as reviewer, regulator and first authority."""
    deployed = deploy(w3, admin)
    bootstrap_local_ledger(w3, deployed, admin, notice_days=7, review_interval_days=365)
    return deployed


GETH_NOTICE_SECONDS = 12  # the local authority's notice period on geth, where time passes in real time only


@dataclass(frozen=True)
class Chain:
    """A chain the suite runs on, with the ledger deployed and the admin as reviewer, regulator and authority."""

    name: str
    url: str
    w3: Web3
    deployment: Deployment

    def let_notice_pass(self) -> None:
        """Lets the local authority's notice period pass: anvil moves its clock, geth's passes in real time."""
        if self.name == "anvil":
            self.w3.provider.make_request("evm_increaseTime", [8 * 86_400])  # type: ignore[arg-type]
            self.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
            return
        target = int(self.w3.eth.get_block("latest")["timestamp"]) + GETH_NOTICE_SECONDS + 1
        deadline = time.monotonic() + GETH_NOTICE_SECONDS + 30
        while int(self.w3.eth.get_block("latest")["timestamp"]) < target:
            assert time.monotonic() < deadline, "geth sealed no block in time"
            time.sleep(0.5)


@pytest.fixture(scope="session")
def anvil_chain(anvil_url: str, w3: Web3, deployment: Deployment) -> Chain:
    return Chain("anvil", anvil_url, w3, deployment)


@pytest.fixture(scope="session")
def geth_chain(tmp_path_factory: pytest.TempPathFactory, admin: LocalAccount) -> Iterator[Chain]:
    """A geth --dev chain for the session (one block a second), the ledger deployed with a notice of seconds."""
    port = free_port()
    with geth_process(tmp_path_factory.mktemp("geth"), port, free_port(), block_period=1):
        url = f"http://127.0.0.1:{port}"
        chain = Web3(Web3.HTTPProvider(url))
        deployed = deploy(chain, admin)
        bootstrap_local_ledger(
            chain, deployed, admin, notice_days=7, review_interval_days=365, notice_seconds=GETH_NOTICE_SECONDS
        )
        yield Chain("geth", url, chain, deployed)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "drl"


@pytest.fixture(scope="module")
def private_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Web3, Deployment]]:
    """A chain of the module's own, for tests that stop mining or count nonces, with the ledger deployed."""
    port = free_port()
    with anvil_process(tmp_path_factory.mktemp("anvil"), port, LOCAL_CHAIN_ID, persist=False):
        chain = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}"))
        admin = dev_account(0, LOCAL_CHAIN_ID)
        deployed = deploy(chain, admin)
        bootstrap_local_ledger(chain, deployed, admin, notice_days=7, review_interval_days=365)
        yield chain, deployed


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL 15 server for the session on 127.0.0.1 (as `drl-pg` when the tests run as root).

    Its directory is made by `tempfile`, not pytest: pytest's temporary root is closed to other users.
    """
    directory = Path(tempfile.mkdtemp(prefix="drl-postgres-"))
    try:
        cluster = init_cluster(directory)
        port = free_port()
        with postgres_process(cluster, port, durable=False):
            yield cluster.url(port)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[str]:
    """An empty database of its own on the session's server, dropped after the test."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    server = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each engine the ledger supports: SQLite in a file, PostgreSQL 15 on a real server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    return str(request.getfixturevalue("fresh_postgres_url"))


# --- the evidence log (issue 15) ---
EVIDENCE_ORIGIN = "test.drl.local/evidence"


@pytest.fixture(scope="session")
def evidence_log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory of the session's evidence log (key files and storage)."""
    return tmp_path_factory.mktemp("tlog") / "tlog"


@pytest.fixture(scope="session")
def evidence_log_url(evidence_log_dir: Path) -> Iterator[str]:
    """A Tessera evidence log (tools/tlog) for the session, on a free loopback port."""
    from ledger.stack.tlog import tlog_process

    port = free_port()
    with tlog_process(evidence_log_dir, port, EVIDENCE_ORIGIN):
        yield f"http://127.0.0.1:{port}"
