"""The embedded IPFS node: Kubo with its own repository, isolated from the public network.

The node listens on 127.0.0.1 only, has no bootstrap peers, routing off, no mDNS, no relays, no
AutoConf (which would fetch peer lists from the internet) and no telemetry, so it never dials out.
Garbage collection stays off: everything the ledger adds is pinned and kept.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ledger.stack.process import ManagedProcess
from ledger.toolchain import IPFS

KUBO_ENV = {"IPFS_TELEMETRY": "off", "DO_NOT_TRACK": "1", "IPFS_LOGGING": "error"}


def isolated_config(api_port: int, gateway_port: int, swarm_port: int) -> dict[str, Any]:
    """The config entries the ledger imposes on its node, written over the defaults of `ipfs init`."""
    return {
        "Addresses": {
            "API": f"/ip4/127.0.0.1/tcp/{api_port}",
            "Gateway": f"/ip4/127.0.0.1/tcp/{gateway_port}",
            "Swarm": [f"/ip4/127.0.0.1/tcp/{swarm_port}"],
            "Announce": [],
            "AppendAnnounce": [],
            "NoAnnounce": [],
        },
        "Bootstrap": [],
        "AutoConf": {"Enabled": False},
        "Routing": {"Type": "none", "DelegatedRouters": []},
        "Ipns": {"DelegatedPublishers": []},
        "DNS": {"Resolvers": {}},
        "Discovery": {"MDNS": {"Enabled": False}},
        "AutoTLS": {"Enabled": False},
        "Provide": {"Enabled": False},
        "Swarm": {
            "DisableNatPortMap": True,
            "RelayClient": {"Enabled": False},
            "RelayService": {"Enabled": False},
            "Transports": {
                "Network": {
                    "QUIC": False,
                    "WebTransport": False,
                    "WebRTCDirect": False,
                    "Websocket": False,
                    "Relay": False,
                }
            },
        },
        "Plugins": {"Plugins": {"telemetry": {"Config": {"Mode": "off"}}}},
    }


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and value and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def prepare_repo(repo: Path, api_port: int, gateway_port: int, swarm_port: int) -> None:
    """Initialises the repository once, then (every time) imposes the isolated, loopback-only config."""
    env = {"IPFS_PATH": str(repo), **KUBO_ENV}
    if not (repo / "config").exists():
        repo.mkdir(parents=True, exist_ok=True)
        subprocess.run(  # noqa: S603 - fixed argv
            [str(IPFS.path), "init", "--empty-repo"], env=env, check=True, capture_output=True
        )
    config_path = repo / "config"
    config = json.loads(config_path.read_text())
    config = _merge(config, isolated_config(api_port, gateway_port, swarm_port))
    config_path.write_text(json.dumps(config, indent=2))


def api_ready(api_url: str) -> bool:
    """Whether the Kubo RPC API answers `id`."""
    return httpx.post(f"{api_url}/api/v0/id", timeout=2).status_code == 200


def kubo_process(data_dir: Path, api_port: int, gateway_port: int, swarm_port: int) -> ManagedProcess:
    """A Kubo daemon with its repository in `data_dir/ipfs`, prepared and isolated."""
    repo = data_dir / "ipfs"
    prepare_repo(repo, api_port, gateway_port, swarm_port)
    return _daemon("kubo", repo, data_dir / "logs" / "kubo.log", api_port)


def _daemon(name: str, repo: Path, log_path: Path, api_port: int) -> ManagedProcess:
    api_url = f"http://127.0.0.1:{api_port}"
    return ManagedProcess(
        name,
        [str(IPFS.path), "daemon", "--migrate=false"],
        log_path,
        ready=lambda: api_ready(api_url),
        env={"IPFS_PATH": str(repo), **KUBO_ENV},
    )


@dataclass(frozen=True)
class KuboPorts:
    """The loopback ports of one node of a Kubo set."""

    api: int
    gateway: int
    swarm: int

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api}"


def peer_id(repo: Path) -> str:
    """The peer id a prepared repository's node runs under."""
    return str(json.loads((repo / "config").read_text())["Identity"]["PeerID"])


def kubo_set_processes(data_dir: Path, ports: Sequence[KuboPorts]) -> list[ManagedProcess]:
    """Kubo daemons `kubo-0`, `kubo-1`, ... in `data_dir/ipfs-<i>`, isolated as `kubo_process`'s node and
    peered with each other: each lists the others in `Peering.Peers` (their loopback swarm address), so they
    connect on start and reconnect after a restart, which is how a repair fetches blocks over bitswap with
    routing off. Start them all, then the set is `KuboSet.of([p.api_url for p in ports], replicas)`."""
    repos = [data_dir / f"ipfs-{index}" for index in range(len(ports))]
    for repo, node in zip(repos, ports, strict=True):
        prepare_repo(repo, node.api, node.gateway, node.swarm)
    peers = [
        {"ID": peer_id(repo), "Addrs": [f"/ip4/127.0.0.1/tcp/{node.swarm}"]}
        for repo, node in zip(repos, ports, strict=True)
    ]
    processes = []
    for index, repo in enumerate(repos):
        config_path = repo / "config"
        config = json.loads(config_path.read_text())
        config["Peering"] = {"Peers": [peer for other, peer in enumerate(peers) if other != index]}
        config_path.write_text(json.dumps(config, indent=2))
        log_path = data_dir / "logs" / f"kubo-{index}.log"
        processes.append(_daemon(f"kubo-{index}", repo, log_path, ports[index].api))
    return processes
