"""The `drl` command with the HTTP service: `drl serve`, `drl tokens`, and the API inside `drl up`."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
import uvicorn

from api.app import create_app
from api.logs import configure_logging
from api.tokens import Role, is_live, issue_token, list_tokens, revoke_token
from ledger.cli import (
    UP_SERVICES,
    DataDirOption,
    app,
    console,
    fail,
    ledger_runtime,
    load_settings,
    run_background_workers,
)
from ledger.runtime import LedgerRuntime

WORKER_PING_SECONDS = 120
tokens_app = typer.Typer(help="API tokens (stored hashed, each bound to an account and roles).")
app.add_typer(tokens_app, name="tokens")


def _server(runtime: LedgerRuntime) -> uvicorn.Server:
    settings = runtime.settings
    config = uvicorn.Config(create_app(runtime), host=settings.api_host, port=settings.api_port, log_level="warning")
    return uvicorn.Server(config)


def serve_in_thread(runtime: LedgerRuntime, stop: threading.Event) -> list[threading.Thread]:
    """Runs the HTTP service on the configured loopback address until `stop` is set."""
    configure_logging()
    server = _server(runtime)

    def run() -> None:
        server.run()

    def watch() -> None:
        stop.wait()
        server.should_exit = True

    threads = [threading.Thread(target=run, name="api", daemon=True), threading.Thread(target=watch, daemon=True)]
    for thread in threads:
        thread.start()
    console.print(f"  API on http://{runtime.settings.api_host}:{runtime.settings.api_port} (OpenAPI at /docs)")
    return threads


UP_SERVICES.append(serve_in_thread)


@app.command()
def serve(
    data_dir: DataDirOption = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="HTTP worker processes (one per core).")] = 1,
) -> None:
    """Run the HTTP service, the outbox worker and the indexer against the configured chain, IPFS and database."""
    configure_logging()
    if data_dir is not None:
        os.environ["DRL_DATA_DIR"] = str(data_dir)  # the worker processes read their settings from the environment
    runtime = LedgerRuntime(load_settings(data_dir))
    stop = threading.Event()
    background = run_background_workers(runtime, stop)
    try:
        if workers == 1:
            _server(runtime).run()
        else:
            settings = runtime.settings
            uvicorn.run(
                "api.app:create_app",
                factory=True,
                host=settings.api_host,
                port=settings.api_port,
                workers=workers,
                log_level="warning",
                # uvicorn kills a worker that does not answer its ping within this; the default 5 s killed every
                # worker still importing on a loaded machine (a minute there), and restarted it, for ever
                timeout_worker_healthcheck=WORKER_PING_SECONDS,
            )
    finally:
        stop.set()
        for thread in background:
            thread.join(timeout=30)
        runtime.close()


@tokens_app.command("create")
def tokens_create(
    address: Annotated[str, typer.Option("--address", help="The account the token acts for.")],
    roles: Annotated[list[Role], typer.Option("--role", help="A role (repeatable).")],
    label: Annotated[str, typer.Option("--label")] = "",
    expires_days: Annotated[
        int | None, typer.Option("--expires-days", min=1, help="Days until the token expires (default: never).")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create a token; it is printed once and only its hash is stored."""
    expires_at = datetime.now(UTC) + timedelta(days=expires_days) if expires_days else None
    with ledger_runtime(data_dir) as runtime, runtime.sessions.begin() as session:
        token = issue_token(session, address, roles, label or address, expires_at)
    console.print(token)


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (drl tokens list).")],
    data_dir: DataDirOption = None,
) -> None:
    """Revoke a token at once: every later request with it is refused (401 invalid_token)."""
    with ledger_runtime(data_dir) as runtime, runtime.sessions.begin() as session:
        revoked = revoke_token(session, token_id)
    if not revoked:
        raise fail(f"no live token with id {token_id}", 1)
    console.print(f"token {token_id} revoked")


@tokens_app.command("list")
def tokens_list(data_dir: DataDirOption = None) -> None:
    """Every token: id, account, roles, label, and whether it is live, revoked or expired."""
    now = datetime.now(UTC)
    with ledger_runtime(data_dir) as runtime, runtime.sessions() as session:
        for row in list_tokens(session):
            state = "revoked" if row.revoked_at else "live" if is_live(row, now) else "expired"
            typer.echo(f"{row.id}\t{row.address}\t{','.join(row.roles)}\t{state}\t{row.label}")
