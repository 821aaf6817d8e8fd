"""`drl up`'s stack: the chain (anvil or geth) and Kubo start isolated on loopback, the ledger deploys once and
survives a restart (on geth, even a chain killed outright)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner
from web3 import Web3

from ledger.chain.deployment import Deployment
from ledger.cli import app
from ledger.config import Settings
from ledger.doctor import run_checks
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
from ledger.stack.supervisor import ChainMismatchError, EmbeddedStack, embedded_chain
from ledger.vocabulary import Status

from ..conftest import free_port
from .registry import events, submission, transact


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
    stack = EmbeddedStack(settings, chain="anvil")
    first = stack.start()
    try:
        checks = run_checks(settings)
        assert all(check.ok for check in checks), [check for check in checks if not check.ok]
        assert any(check.component == "evidence log" for check in checks)
    finally:
        stack.stop()

    again = EmbeddedStack(settings, chain="anvil")
    second = again.start()
    try:
        assert second == first
        assert json.loads(settings.deployment_file.read_text())["registrations"] == first.registrations
    finally:
        again.stop()


@pytest.mark.integration
def test_kubo_of_the_stack_never_reaches_beyond_loopback(data_dir: Path) -> None:
    settings = _settings(data_dir)
    stack = EmbeddedStack(settings, chain="anvil", persist_chain=False)
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


@pytest.mark.integration
@pytest.mark.geth
def test_stack_on_geth_comes_up_healthy_and_keeps_a_registration_when_its_chain_is_killed(data_dir: Path) -> None:
    settings = _settings(data_dir).model_copy(update={"embedded_chain": "geth"})
    stack = EmbeddedStack(settings)
    first = stack.start()
    try:
        checks = run_checks(settings)
        assert all(check.ok for check in checks), [check for check in checks if not check.ok]
        chain = next(check for check in checks if check.component == "chain (geth)")
        assert "Geth/" in chain.detail
        assert any(check.component == "geth" for check in checks)  # the client's binary is checked too
        w3 = Web3(Web3.HTTPProvider(settings.rpc_url))
        registration_id, block = _register(w3, first)
        (node,) = (process for process in stack.processes if process.name == "geth")
        assert node.pid is not None
        os.killpg(node.pid, signal.SIGKILL)  # no clean shutdown: what a crash or `kill -9` leaves on disk
        deadline = time.monotonic() + 10
        while node.running:
            assert time.monotonic() < deadline, "geth outlived SIGKILL"
            time.sleep(0.05)
    finally:
        stack.stop()

    again = EmbeddedStack(settings)
    second = again.start()
    try:
        assert second == first
        assert w3.eth.block_number >= block
        registry = second.contract(w3, "Registrations")
        assert Status.of(registry.functions.statusOf(registration_id).call()) is Status.SUBMITTED
    finally:
        again.stop()


def test_stack_refuses_a_data_dir_that_holds_the_other_chain(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "anvil-state.json").write_text("{}")
    with pytest.raises(ChainMismatchError, match="--chain anvil"):
        EmbeddedStack(_settings(data_dir), chain="geth")


def test_a_data_dir_keeps_its_chain_client_when_the_default_changes(data_dir: Path) -> None:
    settings = _settings(data_dir).model_copy(update={"embedded_chain": "geth"})
    assert embedded_chain(settings) == "geth"  # a new data dir: the setting
    data_dir.mkdir(parents=True)
    (data_dir / "anvil-state.json").write_text("{}")
    assert embedded_chain(settings) == "anvil"  # an anvil ledger stays on anvil
    assert embedded_chain(settings, "geth") == "geth"  # unless asked, which the stack then refuses (above)


def _register(w3: Web3, deployment: Deployment) -> tuple[int, int]:
    """The administrator (an admitted party) submits an application; returns its registration id and block."""
    admin = dev_account(0, LOCAL_CHAIN_ID)
    registry = deployment.contract(w3, "Registrations")
    application = submission(w3, admin.address, b"before the crash", registry.functions.nonces(admin.address).call())
    signature = application.sign(admin, LOCAL_CHAIN_ID, deployment.registrations)
    receipt = transact(w3, admin, registry.functions.submit(application.as_tuple(), signature))
    (event,) = events(registry, "RegistrationSubmitted", receipt)
    return int(event["args"]["registrationId"]), int(receipt["blockNumber"])


def test_up_on_geth_names_geth_when_it_is_missing(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRL_GETH_BIN", str(data_dir / "no-geth"))
    monkeypatch.setenv("DRL_EMBEDDED_CHAIN", "geth")
    result = CliRunner().invoke(app, ["up", "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert "missing tools: geth" in result.output
    assert not data_dir.exists()  # refused before anything was written
