"""`drl doctor`: which components are installed, which are reachable, and whether the ledger is deployed."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

import httpx
from web3 import Web3

from ledger.chain.deployment import Deployment, check_deployment
from ledger.config import ChainClient, Settings
from ledger.db import make_engine
from ledger.leadership import leader_on
from ledger.migrations import head_revision, schema_revision
from ledger.proofs.tlog_note import NoteError, VerifierKey, verify_checkpoint
from ledger.readiness import replica_set_health
from ledger.replication import KuboSet
from ledger.stack.cluster import ClusterLayout
from ledger.stack.supervisor import chain_held, embedded_chain
from ledger.stack.tlog import VERIFIER_KEY_FILE
from ledger.toolchain import ALL_TOOLS, CLUSTER_TOOLS, Tool, embedded_tools


@dataclass(frozen=True)
class Check:
    """The outcome of one check."""

    component: str
    ok: bool
    detail: str


def _tool_version(tool: Tool) -> Check:
    if not tool.is_installed():
        return Check(tool.name, False, f"not installed at {tool.path} (run scripts/setup.sh)")
    try:
        out = subprocess.run(  # noqa: S603 - the project's own tools
            [str(tool.path), "--version" if tool.name != "ipfs" else "version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (subprocess.SubprocessError, OSError) as error:
        return Check(tool.name, False, f"{tool.path} does not run: {error}")
    first = next((line for line in out.splitlines() if "ersion" in line), out.strip().splitlines()[0])
    return Check(tool.name, True, first.strip())


def _chain(
    settings: Settings, rpc_url: str | None = None, component: str = "chain", expected: ChainClient | None = None
) -> Check:
    """Whether the chain answers on the configured id, and which client serves it (refused if not `expected`)."""
    rpc_url = rpc_url or settings.rpc_url
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 5}))
    try:
        chain_id, block, client = w3.eth.chain_id, w3.eth.block_number, str(w3.client_version)
    except Exception as error:  # noqa: BLE001 - any failure means unreachable
        return Check(component, False, f"{rpc_url} unreachable: {type(error).__name__}")
    if chain_id != settings.chain_id:
        return Check(component, False, f"{rpc_url} serves chain {chain_id}, configured {settings.chain_id}")
    if expected is not None and client_name(client) != expected:
        return Check(component, False, f"{rpc_url} is served by {client}, the embedded stack runs {expected}")
    return Check(component, True, f"{rpc_url} {client}, chain {chain_id}, block {block}")


def client_name(client_version: str) -> str:
    """The client's name in a `web3_clientVersion` answer: `anvil/v1.7.1` is anvil, `Geth/v1.17.10-…` is geth."""
    return client_version.split("/", 1)[0].lower()


def _ipfs(settings: Settings, api: str | None = None, component: str = "ipfs node") -> Check:
    api = api or settings.ipfs_api_url
    try:
        version = httpx.post(f"{api}/api/v0/version", timeout=5).json()["Version"]
        peers = httpx.post(f"{api}/api/v0/bootstrap/list", timeout=5).json().get("Peers") or []
        listen = httpx.post(f"{api}/api/v0/swarm/addrs/listen", timeout=5).json().get("Strings") or []
        routing = httpx.post(f"{api}/api/v0/config", params={"arg": "Routing.Type"}, timeout=5).json()["Value"]
    except (httpx.HTTPError, KeyError, ValueError) as error:
        return Check(component, False, f"{api} unreachable: {type(error).__name__}")
    exposed = [address for address in listen if not address.startswith(("/ip4/127.", "/ip6/::1/"))]
    if peers or exposed or routing != "none":
        return Check(
            component,
            False,
            f"Kubo {version} is not isolated: bootstrap={peers} swarm={exposed} routing={routing}",
        )
    return Check(component, True, f"Kubo {version} at {api}, loopback only, no bootstrap peers, routing off")


def _ipfs_set(settings: Settings, api_urls: list[str] | None = None) -> list[Check]:
    """Each Kubo node of the replica set (isolated, and peered with every other node that answers), then whether R
    copies of new content can still be written with the nodes that answer."""
    api_urls = api_urls or settings.resolved_ipfs_nodes
    with KuboSet.of(api_urls, settings.ipfs_replicas) as pinset:
        content = replica_set_health(pinset)
    checks = []
    for index, api in enumerate(api_urls):
        check = _ipfs(settings, api, f"ipfs node {index}" if len(api_urls) > 1 else "ipfs node")
        if check.ok and len(api_urls) > 1:
            try:
                peers = len(httpx.post(f"{api}/api/v0/swarm/peers", timeout=5).json().get("Peers") or [])
            except (httpx.HTTPError, ValueError) as error:
                check = Check(check.component, False, f"{api} unreachable: {type(error).__name__}")
            else:
                check = Check(check.component, peers >= content.up - 1, f"{check.detail}, {peers} peers")
        checks.append(check)
    return [*checks, Check("ipfs replicas", content.writable, content.describe())]


def _deployment(settings: Settings) -> Check:
    path = settings.deployment_file
    if not path.exists():
        return Check("deployment", False, f"no deployment file at {path} (drl up deploys on first start)")
    try:
        deployment = Deployment.load(path)
        check_deployment(Web3(Web3.HTTPProvider(settings.rpc_url, request_kwargs={"timeout": 5})), deployment)
    except Exception as error:  # noqa: BLE001 - reported, not raised
        return Check("deployment", False, f"{path}: {error}")
    return Check(
        "deployment",
        True,
        f"Registrations at {deployment.registrations} since block {deployment.deployment_block}",
    )


def _database(settings: Settings, url: str | None = None) -> Check:
    engine = make_engine(url or settings.resolved_database_url)  # a new SQLite file is created private, as on start
    shown = engine.url.render_as_string(hide_password=True)
    try:
        current = schema_revision(engine)
    except Exception as error:  # noqa: BLE001 - reported, not raised
        return Check("database", False, f"{shown}: {error}")
    finally:
        engine.dispose()
    head = head_revision()
    schema = (
        "at the head revision" if current == head else f"at revision {current or 'none'}, upgraded to {head} on start"
    )
    return Check("database", True, f"{shown}, schema {schema}")


def _evidence_log(settings: Settings) -> Check:
    key_file = settings.tlog_dir / VERIFIER_KEY_FILE
    if not key_file.exists():
        return Check("evidence log", False, f"no log key at {key_file} (drl up makes it)")
    try:
        text = httpx.get(f"{settings.tlog_url}/checkpoint", timeout=5).raise_for_status().text
        checkpoint = verify_checkpoint(text, VerifierKey.parse(key_file.read_text()))
    except httpx.HTTPError as error:
        return Check("evidence log", False, f"{settings.tlog_url} unreachable: {type(error).__name__}")
    except NoteError as error:
        return Check("evidence log", False, f"{settings.tlog_url} serves a checkpoint that does not verify: {error}")
    return Check("evidence log", True, f"{checkpoint.origin} at {settings.tlog_url}, {checkpoint.size} entries, signed")


def _cluster(settings: Settings, layout: ClusterLayout) -> list[Check]:
    """Each component of the cluster `drl up --topology cluster` started, and which instance leads."""
    checks = [_chain(settings, layout.rpc_url, f"chain ({layout.chain})"), _database(settings, layout.database_url)]
    checks += _ipfs_set(settings, layout.ipfs_api_urls)
    try:
        leader = leader_on(layout.database_url)
    except Exception as error:  # noqa: BLE001 - reported, not raised
        leader = None
        checks.append(Check("leader", False, f"cannot ask the database: {type(error).__name__}"))
    for index, url in enumerate(layout.service_urls):
        checks.append(_instance(index, url, leader))
    if leader is not None:
        checks.append(Check("leader", True, f"the instance at {leader} runs the outbox worker and the indexer"))
    return checks


def _instance(index: int, url: str, leader: str | None) -> Check:
    component = f"service instance {index}"
    try:
        answer = httpx.get(f"{url}/readyz", timeout=5).json()
    except (httpx.HTTPError, ValueError) as error:
        return Check(component, False, f"{url} unreachable: {type(error).__name__}")
    role = "leader" if leader is not None and url.endswith(leader) else "standby"
    if not answer.get("ready"):
        return Check(component, False, f"{url} ({role}) not ready: {', '.join(answer.get('reasons') or [])}")
    return Check(component, True, f"{url} ready ({role})")


def run_checks(settings: Settings) -> list[Check]:
    """Every check, installed tools first, then the running components (each of the cluster's, if one runs)."""
    layout = ClusterLayout.load(settings.data_dir)
    if layout is not None:
        tools = [_tool_version(tool) for tool in (*ALL_TOOLS, *CLUSTER_TOOLS)]
        return (
            tools + _cluster(settings, layout) + [_deployment(settings.model_copy(update={"rpc_url": layout.rpc_url}))]
        )
    # The embedded stack's chain is the one its data directory holds (`drl up --chain geth` made it a geth
    # directory); a service against a chain of its own (no embedded chain here) is told nothing about clients.
    held = chain_held(settings.data_dir)
    return [
        *[_tool_version(tool) for tool in embedded_tools(embedded_chain(settings))],
        _chain(settings, component=f"chain ({held})" if held else "chain", expected=held),
        *_ipfs_set(settings),
        _evidence_log(settings),
        _deployment(settings),
        _database(settings),
    ]
