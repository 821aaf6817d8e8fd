"""Fixtures that start the real components once per session: anvil (and geth) and Kubo on free loopback ports."""

from __future__ import annotations

import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from sqlalchemy import create_engine, make_url, text
from web3 import Web3

from ledger.chain.deployment import Deployment, deploy
from ledger.chain.transactions import send_and_wait
from ledger.stack.anvil import anvil_process
from ledger.stack.bootstrap import DAY, bootstrap_local_ledger
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
GETH_DAY_SECONDS = 3  # a day of a test's timeline on geth (licence terms, say): time cannot be moved there


@dataclass(frozen=True)
class Chain:
    """A chain the suite runs on, with the ledger deployed and the admin as reviewer, regulator and authority.

    Every way a test moves time or sets up parties goes through here, so that the same test runs on anvil (whose
    clock the test moves) and on geth (where time passes in real time and the periods are seconds long).
    """

    name: str
    url: str
    w3: Web3
    deployment: Deployment
    admin: LocalAccount
    day: int = DAY  # how long a day of a test's timeline lasts on this chain, in seconds

    def now(self) -> int:
        """The latest block's timestamp: the time the next transaction's checks start from."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def let_time_reach(self, timestamp: int) -> None:
        """Until the latest block is stamped `timestamp` or later: anvil moves its clock, geth's passes in real time."""
        deadline = time.monotonic() + max(0, timestamp - self.now()) + 30
        while (now := self.now()) < timestamp:
            assert time.monotonic() < deadline, f"{self.name} sealed no block stamped {timestamp} in time"
            if self.name == "anvil":
                self.w3.provider.make_request("evm_increaseTime", [timestamp - now])  # type: ignore[arg-type]
                self.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
            else:
                time.sleep(0.5)

    def let_notice_pass(self, registration_id: int) -> None:
        """Lets the public-notice window of a registration in public notice end, so that it can be certified."""
        registry = self.deployment.contract(self.w3, "Registrations")
        function = registry.functions.registration(registration_id)
        names = [component["name"] for component in function.abi["outputs"][0]["components"]]
        record = dict(zip(names, function.call(), strict=True))
        assert record["noticeEndsAt"] > 0, f"registration {registration_id} was never in public notice"
        self.let_time_reach(int(record["noticeEndsAt"]))

    def admit(self, address: str, label: str) -> None:
        """Admits `address` as a party unless it already is (the chain refuses a second admission, and the
        chain is shared by every test of the session)."""
        access = self.deployment.contract(self.w3, "LedgerAccess")
        if not access.functions.isAdmitted(address).call():
            send_and_wait(
                self.w3,
                self.admin,
                access.functions.admitParty(address, Web3.keccak(text=label)).build_transaction(
                    {"from": self.admin.address}
                ),
            )


@pytest.fixture(scope="session")
def anvil_chain(anvil_url: str, w3: Web3, deployment: Deployment, admin: LocalAccount) -> Chain:
    return Chain("anvil", anvil_url, w3, deployment, admin)


@contextmanager
def running_geth(directory: Path, admin: LocalAccount) -> Iterator[Chain]:
    """A geth --dev chain (one block a second) with the ledger deployed, its authority's notice a few seconds."""
    port = free_port()
    with geth_process(directory, port, free_port(), block_period=1):
        url = f"http://127.0.0.1:{port}"
        chain = Web3(Web3.HTTPProvider(url))
        deployed = deploy(chain, admin)
        bootstrap_local_ledger(
            chain, deployed, admin, notice_days=7, review_interval_days=365, notice_seconds=GETH_NOTICE_SECONDS
        )
        yield Chain("geth", url, chain, deployed, admin, day=GETH_DAY_SECONDS)


@pytest.fixture(scope="session")
def geth_chain(tmp_path_factory: pytest.TempPathFactory, admin: LocalAccount) -> Iterator[Chain]:
    """A geth --dev chain for the session (one block a second), the ledger deployed with a notice of seconds."""
    with running_geth(tmp_path_factory.mktemp("geth"), admin) as chain:
        yield chain


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


@pytest.fixture
def migrated_database_url(empty_database_url: str) -> str:
    """A database at the newest schema on each engine the ledger supports (`empty_database_url`, migrated)."""
    from ledger.db import make_engine
    from ledger.migrations import upgrade_schema

    engine = make_engine(empty_database_url)
    upgrade_schema(engine)
    engine.dispose()
    return empty_database_url


# --- the evidence log (issue 15) ---
EVIDENCE_ORIGIN = "test.drl.local/evidence"


@pytest.fixture(scope="session")
def evidence_log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory of the session's evidence log (key files and storage)."""
    return tmp_path_factory.mktemp("tlog") / "tlog"


@contextmanager
def _evidence_log(directory: Path) -> Iterator[str]:
    """A Tessera evidence log (tools/tlog) in `directory`, on a free loopback port."""
    from ledger.stack.tlog import tlog_process

    port = free_port()
    with tlog_process(directory, port, EVIDENCE_ORIGIN):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def evidence_log_url(evidence_log_dir: Path) -> Iterator[str]:
    """The session's evidence log."""
    with _evidence_log(evidence_log_dir) as url:
        yield url


@pytest.fixture(scope="module")
def own_evidence_log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory of a module's own evidence log."""
    return tmp_path_factory.mktemp("own-tlog") / "tlog"


@pytest.fixture(scope="module")
def own_evidence_log_url(own_evidence_log_dir: Path) -> Iterator[str]:
    """An evidence log of the module's own, for tests that anchor its checkpoints themselves: the session's log
    is anchored by the e2e service's anchorer too, which may anchor a checkpoint first (`RootAlreadyAnchored`:
    the same relayer, the same root)."""
    with _evidence_log(own_evidence_log_dir) as url:
        yield url
