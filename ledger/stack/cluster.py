"""The cluster topology on one machine (`drl up --topology cluster`): PostgreSQL, a chain (geth or anvil), three
Kubo nodes peered with each other, and two service instances sharing the database, all on 127.0.0.1.

It is the production shape in miniature: any instance answers any request, one at a time (the holder of the
database lease, ledger.leadership) sends transactions and follows the chain, and either instance dying
leaves the other serving and leading. Where everything listens is written to `data_dir/cluster.json`, so
that `drl doctor` checks each component and the tests find them.

Ports, from the settings: the chain on `anvil_port` (geth's engine API on the port above it), PostgreSQL
on `postgres_port`, Kubo node i on `ipfs_api_port + i` (gateway and swarm likewise), service instance i
on `api_port + i`.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, make_url, text
from web3 import Web3

from ledger.chain.deployment import Deployment, attach_or_deploy
from ledger.config import ChainClient, Settings
from ledger.stack.anvil import anvil_process
from ledger.stack.bootstrap import bootstrap_local_ledger
from ledger.stack.devkeys import dev_account
from ledger.stack.geth import geth_process
from ledger.stack.kubo import kubo_process
from ledger.stack.postgres import (
    PostgresCluster,
    init_cluster,
    postgres_process,
    reopen_cluster,
    server_user_needs_entry,
)
from ledger.stack.process import ManagedProcess

DATABASE = "ledger"
KUBO_NODES = 3
INSTANCES = 2
GETH_NOTICE_SECONDS = 60  # a local authority's notice period on geth, where time passes in real time


@dataclass
class ClusterLayout:
    """Where each component of the cluster listens (written to `cluster.json`)."""

    chain: ChainClient
    rpc_url: str
    database_url: str
    ipfs_api_urls: list[str] = field(default_factory=list)
    swarm_addresses: list[str] = field(default_factory=list)
    service_urls: list[str] = field(default_factory=list)

    @staticmethod
    def file(data_dir: Path) -> Path:
        return data_dir / "cluster.json"

    @classmethod
    def load(cls, data_dir: Path) -> ClusterLayout | None:
        """The layout of the cluster last started in `data_dir`, or None when none was."""
        path = cls.file(data_dir)
        return cls(**json.loads(path.read_text())) if path.exists() else None

    def save(self, data_dir: Path) -> None:
        path = self.file(data_dir)
        path.write_text(json.dumps(asdict(self), indent=2))
        path.chmod(0o600)  # the database URL carries its password


class ClusterStack:
    """Starts, supervises and stops the cluster's processes, in dependency order."""

    def __init__(
        self,
        settings: Settings,
        chain: ChainClient = "geth",
        *,
        instances: int = INSTANCES,
        kubo_nodes: int = KUBO_NODES,
        postgres: bool = True,
    ) -> None:
        """The full topology by default; fewer instances or nodes, or SQLite (one instance), for comparisons."""
        self.settings = settings
        self.chain = chain
        self.instances, self.kubo_nodes, self.postgres = instances, kubo_nodes, postgres
        self.data_dir = settings.data_dir
        self.processes: list[ManagedProcess] = []
        self.layout: ClusterLayout | None = None

    def start(self) -> ClusterLayout:
        """Starts everything, deploys (or attaches to) the ledger, and writes `cluster.json`."""
        settings, data_dir = self.settings, self.data_dir
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            database_url = settings.resolved_database_url
            if self.postgres:
                postgres = self._postgres()
                self._start(postgres_process(postgres, settings.postgres_port))
                database_url = self._database(postgres)
            rpc_url = f"http://127.0.0.1:{settings.anvil_port}"
            if self.chain == "geth":
                self._start(geth_process(data_dir, settings.anvil_port, settings.anvil_port + 1))
            else:
                self._start(anvil_process(data_dir, settings.anvil_port, settings.chain_id))
            w3 = Web3(Web3.HTTPProvider(rpc_url))
            admin = dev_account(0, settings.chain_id)
            deployment, _ = attach_or_deploy(w3, admin, settings.deployment_file)
            notice = GETH_NOTICE_SECONDS if self.chain == "geth" else None
            bootstrap_local_ledger(
                w3, deployment, admin, settings.notice_days, settings.review_interval_days, notice_seconds=notice
            )
            layout = ClusterLayout(self.chain, rpc_url, database_url)
            for index in range(self.kubo_nodes):
                node_dir = data_dir / f"kubo-{index}"
                api, gateway, swarm = (
                    settings.ipfs_api_port + index,
                    settings.ipfs_gateway_port + index,
                    settings.ipfs_swarm_port + index,
                )
                self._start(kubo_process(node_dir, api, gateway, swarm))
                layout.ipfs_api_urls.append(f"http://127.0.0.1:{api}")
            layout.swarm_addresses = peer_nodes(layout.ipfs_api_urls)
            for index in range(self.instances):
                port = settings.api_port + index
                self._start(self._instance(index, port, layout, deployment))
                layout.service_urls.append(f"http://127.0.0.1:{port}")
        except BaseException:
            self.stop()
            raise
        layout.save(data_dir)
        self.layout = layout
        return layout

    def _start(self, process: ManagedProcess) -> None:
        process.start(timeout=120)
        self.processes.append(process)

    @property
    def postgres_directory(self) -> Path:
        """Where the cluster's PostgreSQL keeps its files: beside the data directory, or, run as root, in /var/tmp
        (kept across reboots) under a name derived from the data directory, since the server runs as its own user,
        who cannot enter root's private directories. Whoever deletes the data directory deletes this too."""
        if not server_user_needs_entry():
            return self.data_dir / "postgres"
        digest = hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:12]
        return Path("/var/tmp") / f"drl-postgres-{digest}"  # noqa: S108 - a fixed, private name

    def _postgres(self) -> PostgresCluster:
        """The cluster's PostgreSQL, made on first start; its superuser password kept beside it, the owner's alone."""
        directory = self.postgres_directory
        password_file = self.data_dir / "postgres-password"
        if password_file.exists():
            return reopen_cluster(directory, password_file.read_text().strip())
        cluster = init_cluster(directory)
        password_file.write_text(cluster.password)
        password_file.chmod(0o600)
        return cluster

    def _database(self, postgres: PostgresCluster) -> str:
        """The ledger's database on the server, created on first start."""
        server = create_engine(postgres.url(self.settings.postgres_port), isolation_level="AUTOCOMMIT")
        try:
            with server.connect() as connection:
                exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": DATABASE})
                if not exists:
                    connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
        finally:
            server.dispose()
        url = make_url(postgres.url(self.settings.postgres_port, DATABASE))
        return url.render_as_string(hide_password=False)

    def _instance(self, index: int, port: int, layout: ClusterLayout, deployment: Deployment) -> ManagedProcess:
        """Service instance `index`: `drl serve` on `port`, its own IPFS node, the shared database and chain."""
        own_node = layout.ipfs_api_urls[index % len(layout.ipfs_api_urls)]
        env = {
            "DRL_DATA_DIR": str(self.data_dir.resolve()),
            "DRL_DATABASE_URL": layout.database_url,
            "DRL_RPC_URL": layout.rpc_url,
            "DRL_CHAIN_ID": str(deployment.chain_id),
            "DRL_API_PORT": str(port),
            "DRL_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "DRL_IPFS_API_URL": own_node,
            # Every instance writes through the whole replica set, its own node first, so each
            # manifest lands on `ipfs_replicas` nodes whichever instance took the request.
            "DRL_IPFS_NODES": json.dumps([own_node, *(u for u in layout.ipfs_api_urls if u != own_node)]),
        }
        url = f"http://127.0.0.1:{port}"
        return ManagedProcess(
            f"service-{index}",
            [str(Path(sys.executable).with_name("drl")), "serve"],
            self.data_dir / "logs" / f"service-{index}.log",
            ready=lambda: httpx.get(f"{url}/healthz", timeout=2).status_code == 200,
            env=env,
        )

    def supervise(self, stopping: threading.Event, poll: float = 1.0) -> None:
        """Restarts a component that died (re-peering the Kubo nodes), until `stopping` is set."""
        while not stopping.wait(poll):
            for process in self.processes:
                if not process.running:
                    process.start(timeout=120)
                    if process.name == "kubo" and self.layout is not None:
                        peer_nodes(self.layout.ipfs_api_urls)

    def stop(self) -> None:
        """Stops the components in reverse order of start."""
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()


def peer_nodes(api_urls: list[str]) -> list[str]:
    """Connects every Kubo node to every other on loopback; returns each node's swarm address with its peer id."""
    identities = [httpx.post(f"{api}/api/v0/id", timeout=10).json() for api in api_urls]
    addresses = [next(a for a in i["Addresses"] if a.startswith("/ip4/127.0.0.1/tcp/")) for i in identities]
    for api, identity in zip(api_urls, identities, strict=True):
        for address in addresses:
            if not address.endswith(identity["ID"]):
                httpx.post(f"{api}/api/v0/swarm/connect", params={"arg": address}, timeout=10).raise_for_status()
    return addresses
