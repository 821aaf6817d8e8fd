"""The `drl` command: a thin layer over the ledger's modules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from ledger.config import Settings
from ledger.doctor import run_checks
from ledger.stack.process import ProcessFailedError
from ledger.toolchain import ALL_TOOLS

app = typer.Typer(help="Data Rights Ledger: register data rights, verify certificates, audit the trail.")
console = Console()
errors = Console(stderr=True)

DataDirOption = Annotated[Path | None, typer.Option("--data-dir", help="Override DRL_DATA_DIR.")]


def load_settings(data_dir: Path | None = None) -> Settings:
    """The settings, or a clear message and exit code 2 when they are invalid."""
    try:
        return Settings(data_dir=data_dir) if data_dir else Settings()
    except ValidationError as error:
        errors.print(f"[red]invalid settings:[/red]\n{error}")
        raise typer.Exit(2) from error


@app.command()
def up(data_dir: DataDirOption = None) -> None:
    """Start the embedded ledger (anvil, Kubo, contracts) on 127.0.0.1 and keep it running until Ctrl-C."""
    from ledger.stack.supervisor import EmbeddedStack

    settings = load_settings(data_dir)
    missing = [tool.name for tool in ALL_TOOLS if not tool.is_installed()]
    if missing:
        errors.print(f"[red]missing tools: {', '.join(missing)}[/red]; run scripts/setup.sh first")
        raise typer.Exit(1)
    stack = EmbeddedStack(settings)
    stack.install_signal_handlers()
    try:
        with console.status("starting anvil and Kubo, deploying the ledger..."):
            deployment = stack.start()
    except ProcessFailedError as error:
        errors.print(f"[red]could not start the stack:[/red] {error}")
        raise typer.Exit(1) from error
    console.print(f"[green]ledger up[/green] - chain {settings.rpc_url} (id {deployment.chain_id})")
    console.print(f"  IPFS API {settings.ipfs_api_url}, gateway {settings.ipfs_gateway_url}")
    for name, address in deployment.addresses().items():
        console.print(f"  {name:<16} {address}")
    console.print(f"  data in {settings.data_dir.resolve()}; Ctrl-C stops")
    try:
        stack.supervise(on_restart=lambda name: errors.print(f"[yellow]{name} died; restarting[/yellow]"))
    except ProcessFailedError as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    finally:
        with console.status("stopping..."):
            stack.stop()
    console.print("stopped cleanly")


@app.command()
def doctor(data_dir: DataDirOption = None) -> None:
    """Report which components are installed and reachable; exit 1 if any is not."""
    checks = run_checks(load_settings(data_dir))
    table = Table("component", "status", "detail")
    for check in checks:
        table.add_row(check.component, "[green]ok[/green]" if check.ok else "[red]FAIL[/red]", check.detail)
    console.print(table)
    if not all(check.ok for check in checks):
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
