from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from ledger.config import EMBEDDED_CHAIN, Settings


def test_defaults_are_the_embedded_stack_on_loopback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.rpc_url == "http://127.0.0.1:8545"
    assert settings.ipfs_api_url == "http://127.0.0.1:5001"
    assert settings.api_host == "127.0.0.1"
    assert settings.resolved_database_url.startswith("sqlite:///")


def test_environment_overrides_the_toml_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "drl.toml"
    config.write_text('rpc_url = "http://127.0.0.1:9999"\nconfirmations = 3\n')
    monkeypatch.setenv("DRL_CONFIG", str(config))
    monkeypatch.setenv("DRL_CONFIRMATIONS", "5")
    settings = Settings()
    assert settings.rpc_url == "http://127.0.0.1:9999"
    assert settings.confirmations == 5


def test_invalid_values_are_refused_with_the_field_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRL_NOTICE_DAYS", "0")
    with pytest.raises(ValidationError, match="notice_days"):
        Settings()


def test_unknown_keys_in_the_toml_file_are_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "drl.toml"
    config.write_text('rcp_url = "typo"\n')
    monkeypatch.setenv("DRL_CONFIG", str(config))
    with pytest.raises(ValidationError, match="rcp_url"):
        Settings()


def test_embedded_chain_is_geth_unless_the_environment_names_anvil(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().embedded_chain == EMBEDDED_CHAIN == "geth"
    monkeypatch.setenv("DRL_EMBEDDED_CHAIN", "anvil")
    assert Settings().embedded_chain == "anvil"
    monkeypatch.setenv("DRL_EMBEDDED_CHAIN", "ganache")
    with pytest.raises(ValidationError, match="embedded_chain"):
        Settings()
