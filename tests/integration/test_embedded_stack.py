"""`drl up`'s stack: anvil and Kubo start isolated on loopback, the ledger deploys once and survives a restart."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from ledger.cli import app
from ledger.config import Settings
from ledger.doctor import run_checks
from ledger.stack.supervisor import EmbeddedStack

from ..conftest import free_port


def _settings(data_dir: Path) -> Settings:
    anvil, api, gateway, swarm, tlog = free_port(), free_port(), free_port(), free_port(), free_port()
    return Settings(
        data_dir=data_dir,
        rpc_url=f"http://127.0.0.1:{anvil}",
        anvil_port=anvil,
        ipfs_api_url=f"http://127.0.0.1:{api}",
        ipfs_api_port=api,
        ipfs_gateway_port=gateway,
        ipfs_swarm_port=swarm,
        tlog_url=f"http://127.0.0.1:{tlog}",
        tlog_port=tlog,
    )


@pytest.mark.integration
def test_stack_comes_up_healthy_and_keeps_its_deployment_across_a_restart(data_dir: Path) -> None:
    settings = _settings(data_dir)
    stack = EmbeddedStack(settings)
    first = stack.start()
    try:
        checks = run_checks(settings)
        assert all(check.ok for check in checks), [check for check in checks if not check.ok]
        assert any(check.component == "evidence log" for check in checks)
    finally:
        stack.stop()

    again = EmbeddedStack(settings)
    second = again.start()
    try:
        assert second == first
        assert json.loads(settings.deployment_file.read_text())["registrations"] == first.registrations
    finally:
        again.stop()


@pytest.mark.integration
def test_kubo_of_the_stack_never_reaches_beyond_loopback(data_dir: Path) -> None:
    settings = _settings(data_dir)
    stack = EmbeddedStack(settings, persist_chain=False)
    stack.start()
    try:
        api = settings.ipfs_api_url
        config = httpx.post(f"{api}/api/v0/config/show").json()
        assert config["Bootstrap"] == []
        assert config["Routing"]["Type"] == "none"
        assert config["AutoConf"]["Enabled"] is False
        assert config["Discovery"]["MDNS"]["Enabled"] is False
        listen = httpx.post(f"{api}/api/v0/swarm/addrs/listen").json()["Strings"]
        assert listen
        assert all(address.startswith("/ip4/127.0.0.1/") for address in listen)
        assert httpx.post(f"{api}/api/v0/swarm/peers").json()["Peers"] in (None, [])
    finally:
        stack.stop()


@pytest.mark.integration
def test_doctor_fails_and_says_why_when_nothing_runs(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(data_dir)
    monkeypatch.setenv("DRL_RPC_URL", settings.rpc_url)
    monkeypatch.setenv("DRL_IPFS_API_URL", settings.ipfs_api_url)
    result = CliRunner().invoke(app, ["doctor", "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert "unreachable" in result.output
