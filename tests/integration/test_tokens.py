"""API tokens end: revoked at once, or expired at their time; the door and every route then refuse them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from api.tokens import Role, find_token, issue_token
from ledger.config import Settings
from ledger.runtime import LedgerRuntime

ADDRESS = "0x" + "11" * 20


def _runtime(data_dir: Path) -> LedgerRuntime:
    return LedgerRuntime(Settings(data_dir=data_dir))


def test_a_revoked_token_is_no_longer_found(tmp_path: Path) -> None:
    data_dir = tmp_path / "drl"
    created = CliRunner().invoke(
        app, ["tokens", "create", "--address", ADDRESS, "--role", "registrant", "--data-dir", str(data_dir)]
    )
    assert created.exit_code == 0, created.output
    token = created.output.strip()
    runtime = _runtime(data_dir)
    with runtime.sessions() as session:
        found = find_token(session, token)
        assert found is not None
        token_id = found.id

    revoked = CliRunner().invoke(app, ["tokens", "revoke", str(token_id), "--data-dir", str(data_dir)])

    assert revoked.exit_code == 0, revoked.output
    with runtime.sessions() as session:
        assert find_token(session, token) is None
    again = CliRunner().invoke(app, ["tokens", "revoke", str(token_id), "--data-dir", str(data_dir)])
    assert again.exit_code == 1
    listed = CliRunner().invoke(app, ["tokens", "list", "--data-dir", str(data_dir)])
    assert f"{token_id}\t{ADDRESS}\tregistrant\trevoked\t" in listed.output
    runtime.close()


def test_a_token_is_refused_from_its_expiry_on(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path / "drl")
    expires_at = datetime(2030, 1, 1, tzinfo=UTC)
    with runtime.sessions.begin() as session:
        token = issue_token(session, ADDRESS, [Role.REGISTRANT], "expiring", expires_at)
    with runtime.sessions() as session:
        assert find_token(session, token, now=expires_at - timedelta(seconds=1)) is not None
        assert find_token(session, token, now=expires_at) is None
    runtime.close()
