"""The `drl` command: a thin layer over the ledger's modules.

Exit codes: 0 done; 1 refused or not verified (the answer is no); 2 bad input (the command names the
field, file or password at fault); 3 a component is unreachable (nothing was half-written).
"""

from __future__ import annotations

import base64
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from eth_account.signers.local import LocalAccount
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from web3 import Web3

from ledger import draft_pins, evidence
from ledger.chain import keystore
from ledger.config import ChainClient, Settings
from ledger.db import make_engine
from ledger.doctor import run_checks
from ledger.encoding import to_hex
from ledger.evidence_anchoring import EvidenceAnchorer
from ledger.evidence_log import LogUnavailableError
from ledger.ipfs import IpfsUnavailableError
from ledger.manifest.canonical import canonical_json
from ledger.manifest.cid import raw_cid
from ledger.manifest.data import DataFolderError, commit_file, commit_folder, folder_size
from ledger.manifest.model import Manifest, SignedManifest
from ledger.migrations import head_revision, schema_revision, upgrade_schema
from ledger.outbox import OutboxStatus
from ledger.reorg import StandingWrites, requeue_orphaned_writes
from ledger.runtime import LedgerRuntime, NotDeployedError
from ledger.stack.process import ProcessFailedError
from ledger.stack.tlog import VERIFIER_KEY_FILE
from ledger.toolchain import ALL_TOOLS, CLUSTER_TOOLS, embedded_tools
from ledger.unreachable import is_unreachable
from ledger.vocabulary import Status

app = typer.Typer(help="Data Rights Ledger: register data rights, verify certificates, audit the trail.")
keys_app = typer.Typer(help="Encrypted registrant keys (V3 keystores).")
index_app = typer.Typer(help="The event index.")
retention_app = typer.Typer(help="Retention of everything the chain references.")
manifest_app = typer.Typer(help="Manifests.")
db_app = typer.Typer(help="The service database's schema (Alembic migrations).")
app.add_typer(keys_app, name="keys")
app.add_typer(index_app, name="index")
app.add_typer(retention_app, name="retention")
app.add_typer(manifest_app, name="manifest")
app.add_typer(db_app, name="db")

console = Console()
errors = Console(stderr=True)

DataDirOption = Annotated[Path | None, typer.Option("--data-dir", help="Override DRL_DATA_DIR.")]
PasswordFileOption = Annotated[
    Path | None, typer.Option("--password-file", help="File with the keystore password (else DRL_KEYSTORE_PASSWORD).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]

EXIT_REFUSED, EXIT_BAD_INPUT, EXIT_UNREACHABLE = 1, 2, 3

# Services `drl up` runs beside the stack: each starts threads over the runtime and stops on the event.
# The HTTP service adds itself here (api.cli), so the core never imports the service layer.
Service = Callable[[LedgerRuntime, threading.Event], list[threading.Thread]]
UP_SERVICES: list[Service] = []


def fail(message: str, code: int) -> typer.Exit:
    """Prints `message` on standard error and returns the exit to raise."""
    errors.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


def load_settings(data_dir: Path | None = None) -> Settings:
    """The settings, or a clear message and exit code 2 when they are invalid."""
    try:
        return Settings(data_dir=data_dir) if data_dir else Settings()
    except ValidationError as error:
        raise fail(f"invalid settings:\n{error}", EXIT_BAD_INPUT) from error


@contextmanager
def ledger_runtime(data_dir: Path | None) -> Iterator[LedgerRuntime]:
    """A runtime for one command; unreachable components become exit code 3 with the component named."""
    runtime = LedgerRuntime(load_settings(data_dir))
    try:
        yield runtime
    except NotDeployedError as error:
        raise fail(str(error), EXIT_UNREACHABLE) from error
    except IpfsUnavailableError as error:
        raise fail(f"{error}; nothing was submitted", EXIT_UNREACHABLE) from error
    except Exception as error:
        if not is_unreachable(error):
            raise
        raise fail(f"the chain at {runtime.settings.rpc_url} is unreachable: {error}", EXIT_UNREACHABLE) from error
    finally:
        runtime.close()


def read_password(settings: Settings, password_file: Path | None, confirm: bool = False) -> str:
    """The keystore password: from a file, the settings (DRL_KEYSTORE_PASSWORD), or a hidden prompt on a terminal."""
    try:
        password = settings.password(settings.keystore_password, password_file)
    except OSError as error:
        raise fail(f"cannot read the password file {password_file}: {error.strerror}", EXIT_BAD_INPUT) from error
    if password is not None:
        return password
    if sys.stdin.isatty():
        return str(typer.prompt("keystore password", hide_input=True, confirmation_prompt=confirm))
    raise fail("no password: use --password-file or DRL_KEYSTORE_PASSWORD", EXIT_BAD_INPUT)


def unlock_key(settings: Settings, address: str, password_file: Path | None) -> LocalAccount:
    try:
        return keystore.unlock(settings.resolved_keystore_dir, address, read_password(settings, password_file))
    except keystore.KeystoreError as error:
        raise fail(str(error), EXIT_BAD_INPUT) from error


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on standard output, never wrapped or coloured."""
    typer.echo(json.dumps(data, default=str, ensure_ascii=False, indent=2))


# ------------------------------------------------------------------------------------------------- stack


@app.command()
def up(
    data_dir: DataDirOption = None,
    topology: Annotated[
        str, typer.Option("--topology", help="embedded (a chain, Kubo, SQLite, this process) or cluster.")
    ] = "embedded",
    chain: Annotated[
        str | None,
        typer.Option(
            "--chain",
            help="The chain client: geth or anvil (embedded: the data dir's chain, else DRL_EMBEDDED_CHAIN, "
            "else geth; cluster: geth).",
        ),
    ] = None,
) -> None:
    """Start the embedded ledger (a chain, Kubo, contracts, outbox worker, indexer) on 127.0.0.1 until Ctrl-C.

    The chain is anvil or geth --dev (`--chain`, or the setting `embedded_chain`). With `--topology cluster`:
    PostgreSQL, geth (or anvil), three peered Kubo nodes and two `drl serve` instances sharing the database, one
    of them leading (see docs/topology.md)."""
    from ledger.stack.supervisor import EmbeddedStack, embedded_chain

    settings = load_settings(data_dir)
    if topology not in ("embedded", "cluster") or chain not in (None, "geth", "anvil"):
        raise fail("--topology is embedded or cluster, --chain is geth or anvil", EXIT_BAD_INPUT)
    if topology == "cluster":
        _up_cluster(settings, "anvil" if chain == "anvil" else "geth")
        return
    requested: ChainClient | None = "geth" if chain == "geth" else "anvil" if chain == "anvil" else None
    client = embedded_chain(settings, requested)
    missing = [tool.name for tool in embedded_tools(client) if not tool.is_installed()]
    if missing:
        raise fail(f"missing tools: {', '.join(missing)}; run scripts/setup.sh first", 1)
    try:
        stack = EmbeddedStack(settings, chain=client)
        stack.install_signal_handlers()
        with console.status(f"starting {client} and Kubo, deploying the ledger..."):
            deployment = stack.start()
    except ProcessFailedError as error:
        raise fail(f"could not start the stack: {error}", 1) from error
    console.print(f"[green]ledger up[/green] - chain {settings.rpc_url} ({client}, id {deployment.chain_id})")
    console.print(f"  IPFS API {settings.ipfs_api_url}, gateway {settings.ipfs_gateway_url}")
    for name, address in deployment.addresses().items():
        console.print(f"  {name:<16} {address}")
    console.print(f"  data in {settings.data_dir.resolve()}; Ctrl-C stops")
    runtime = LedgerRuntime(settings)
    stop_workers = threading.Event()
    workers = run_background_workers(runtime, stop_workers)
    for service in UP_SERVICES:
        workers += service(runtime, stop_workers)
    try:
        stack.supervise(on_restart=lambda name: errors.print(f"[yellow]{name} died; restarting[/yellow]"))
    except ProcessFailedError as error:
        raise fail(str(error), 1) from error
    finally:
        with console.status("stopping..."):
            stop_workers.set()
            for worker in workers:
                worker.join(timeout=30)
            runtime.close()
            stack.stop()
    console.print("stopped cleanly")


def _up_cluster(settings: Settings, chain: ChainClient) -> None:
    from ledger.stack.cluster import ClusterStack

    missing = [tool.name for tool in (*ALL_TOOLS, *CLUSTER_TOOLS) if not tool.is_installed()]
    if missing:
        raise fail(f"missing tools: {', '.join(missing)}; run scripts/setup.sh first", 1)
    stack = ClusterStack(settings, chain)
    stopping = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        with console.status(f"starting PostgreSQL, {chain}, Kubo x3, two service instances..."):
            layout = stack.start()
    except (ProcessFailedError, OSError, RuntimeError) as error:
        raise fail(f"could not start the cluster: {error}", 1) from error
    console.print(f"[green]cluster up[/green] - chain {layout.chain} at {layout.rpc_url}")
    console.print(f"  PostgreSQL at 127.0.0.1:{settings.postgres_port}, IPFS APIs {', '.join(layout.ipfs_api_urls)}")
    console.print(f"  service instances {', '.join(layout.service_urls)}; `drl doctor` checks each; Ctrl-C stops")
    try:
        stack.supervise(stopping)
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


# ------------------------------------------------------------------------------------------------- keys


@keys_app.command("new")
def keys_new(password_file: PasswordFileOption = None, data_dir: DataDirOption = None) -> None:
    """Create a key, stored encrypted in the keystore directory."""
    settings = load_settings(data_dir)
    try:
        account = keystore.new_key(settings.resolved_keystore_dir, read_password(settings, password_file, confirm=True))
    except keystore.KeystoreError as error:
        raise fail(str(error), EXIT_BAD_INPUT) from error
    console.print(account.address)


@keys_app.command("import")
def keys_import(
    key_file: Annotated[Path, typer.Argument(help="File holding the hex private key ('-' for standard input).")],
    password_file: PasswordFileOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Import a private key into an encrypted keystore (the key is never written in plain text)."""
    settings = load_settings(data_dir)
    try:
        private_key = sys.stdin.readline().strip() if str(key_file) == "-" else key_file.read_text().strip()
    except OSError as error:
        raise fail(f"cannot read {key_file}: {error.strerror}", EXIT_BAD_INPUT) from error
    try:
        account = keystore.import_key(
            settings.resolved_keystore_dir, private_key, read_password(settings, password_file, confirm=True)
        )
    except keystore.KeystoreError as error:
        raise fail(str(error), EXIT_BAD_INPUT) from error
    console.print(account.address)


@keys_app.command("list")
def keys_list(data_dir: DataDirOption = None) -> None:
    """List the addresses of the stored keys."""
    for address in keystore.list_keys(load_settings(data_dir).resolved_keystore_dir):
        console.print(address)


# ------------------------------------------------------------------------------------------------- manifests


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except OSError as error:
        raise fail(f"cannot read {path}: {error.strerror}", EXIT_BAD_INPUT) from error
    except json.JSONDecodeError as error:
        raise fail(f"{path} is not JSON: {error}", EXIT_BAD_INPUT) from error


def _validation_failure(path: Path, error: ValidationError) -> typer.Exit:
    lines = [f"{path} is not a valid manifest ({error.error_count()} problems):"]
    for problem in error.errors():
        location = ".".join(str(part) for part in problem["loc"]) or "(document)"
        lines.append(f"  - {location}: {problem['msg']}")
    return fail("\n".join(lines), EXIT_BAD_INPUT)


@manifest_app.command("check")
def manifest_check(
    path: Annotated[Path, typer.Argument(help="A manifest or a signed manifest (JSON).")],
    cid: Annotated[str | None, typer.Option("--cid", help="The CID the document must have.")] = None,
) -> None:
    """Validate a manifest and print its CID; with --cid, fail unless the document has that CID."""
    data = _load_json(path)
    model: type[Manifest] | type[SignedManifest] = SignedManifest if "signature" in data else Manifest
    try:
        document = model.model_validate(data)
    except ValidationError as error:
        raise _validation_failure(path, error) from error
    actual = raw_cid(canonical_json(document))
    if cid is not None and cid != actual:
        raise fail(f"digest mismatch: {path} has CID {actual}, not {cid}", EXIT_REFUSED)
    console.print(actual)


def _hash_with_progress(data: Path) -> Any:
    total = data.stat().st_size if data.is_file() else folder_size(data)
    columns = (TextColumn("hashing"), BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=errors, transient=True) as progress:
        task = progress.add_task("hash", total=total)

        def advance(count: int) -> None:
            progress.advance(task, count)

        return commit_file(data, advance) if data.is_file() else commit_folder(data, advance)


def _manifest_from(manifest_path: Path | None, data: Path | None, metadata: Path | None) -> Manifest:
    if manifest_path is not None:
        fields = _load_json(manifest_path)
        source = manifest_path
    elif data is not None and metadata is not None:
        fields = _load_json(metadata)
        source = metadata
        try:
            fields["data_commitment"] = _hash_with_progress(data).model_dump(mode="json")
        except DataFolderError as error:
            raise fail(str(error), EXIT_BAD_INPUT) from error
        fields.setdefault("created_at", datetime.now(UTC).isoformat())
    else:
        raise fail("give a manifest file, or --data with --metadata", EXIT_BAD_INPUT)
    try:
        return Manifest.model_validate(fields)
    except ValidationError as error:
        raise _validation_failure(source, error) from error


@app.command()
def register(
    manifest_path: Annotated[Path | None, typer.Argument(help="The manifest (JSON).")] = None,
    data: Annotated[
        Path | None, typer.Option("--data", help="A data file or folder to hash into the manifest.")
    ] = None,
    metadata: Annotated[
        Path | None, typer.Option("--metadata", help="With --data: the manifest's other fields (JSON).")
    ] = None,
    write_manifest: Annotated[Path | None, typer.Option("--write-manifest", help="Save the signed manifest.")] = None,
    again: Annotated[
        bool,
        typer.Option("--again", help="Register data this registrant already registered, as a second registration."),
    ] = False,
    wait: Annotated[float, typer.Option("--wait", help="Seconds to wait for the chain to include it.")] = 60.0,
    password_file: PasswordFileOption = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register data: sign the manifest and the application with the registrant's key, pin, and submit once."""
    from ledger.registration import AlreadyRegisteredError
    from ledger.registration import register as register_manifest

    manifest = _manifest_from(manifest_path, data, metadata)
    with ledger_runtime(data_dir) as runtime:
        registrant = unlock_key(runtime.settings, manifest.registrant, password_file)
        try:
            registered = register_manifest(runtime, manifest, registrant, again=again)
        except AlreadyRegisteredError as error:
            raise fail(f"{error}; --again registers it a second time", EXIT_REFUSED) from error
        if write_manifest is not None:
            write_manifest.write_bytes(canonical_json(registered.document))
        result = runtime.outbox.wait(registered.write.key, timeout=wait) if wait > 0 else registered.write
        registration_id = None
        if result.status is OutboxStatus.MINED:
            runtime.follower.sync()
            from ledger.index import queries

            with runtime.sessions() as session:
                registration_id = queries.registration_of_manifest(session, to_hex(registered.digest))
    summary = {
        "cid": registered.cid,
        "status": result.status.value,
        "registration_id": registration_id,
        "tx_hash": result.tx_hash,
        "error": result.error,
    }
    if as_json:
        print_json(summary)
    else:
        console.print(f"manifest {registered.cid}")
        if registration_id is not None:
            console.print(f"[green]submitted[/green] as registration {registration_id} in {result.tx_hash}")
        elif result.status in (OutboxStatus.QUEUED, OutboxStatus.PENDING):
            console.print(
                "[yellow]queued[/yellow]: it goes on chain when the chain is reachable (drl up runs the worker)"
            )
    if result.status in (OutboxStatus.REFUSED, OutboxStatus.REVERTED):
        raise fail(f"the registry refused the application: {result.error}", EXIT_REFUSED)


# ------------------------------------------------------------------------------------------------- reads


def _synced(runtime: LedgerRuntime) -> None:
    from ledger.index.manifests import load_manifests

    runtime.follower.sync()
    deployment = runtime.deployment
    load_manifests(runtime.sessions, runtime.ipfs, deployment.chain_id, deployment.registrations)


@app.command()
def status(
    registration_id: Annotated[int, typer.Argument(help="The registration id.")],
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a registration: status, holder, manifest check, certificates and history."""
    from ledger.verification import registration_report

    with ledger_runtime(data_dir) as runtime:
        _synced(runtime)
        with runtime.sessions() as session:
            report = registration_report(session, registration_id)
    if report is None:
        raise fail(f"no registration {registration_id}", EXIT_REFUSED)
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    console.print(
        f"registration {report.registration_id}: [bold]{report.status}[/bold] (version {report.version})"
        + (" [red]disputed[/red]" if report.disputed else "")
    )
    console.print(
        f"  registrant {report.registrant}, authority {report.authority_id}, {report.kind}, "
        f"{report.origin}, grade {report.grade}"
    )
    manifest = report.manifest
    console.print(
        f"  manifest {manifest.cid} "
        + ("[green]signature valid[/green]" if manifest.signature_valid else f"[red]{manifest.problem}[/red]")
    )
    for certificate in report.certificates:
        console.print(
            f"  certificate {certificate.number} ({certificate.certificate_type}) held by {certificate.holder}"
            + (" retired" if certificate.retired else "")
        )
    table = Table("block", "event", "transaction")
    for event in report.history:
        table.add_row(str(event.block_number), event.name, event.tx_hash)
    console.print(table)


@app.command("verify")
def verify_command(
    query: Annotated[str, typer.Argument(help="A file, a sha256, a certificate number or reg:ID.")],
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Verify a file, hash, certificate number or registration; exit 0 only if a certified, valid match exists."""
    from ledger.verification import verify

    with ledger_runtime(data_dir) as runtime:
        _synced(runtime)
        with runtime.sessions() as session:
            try:
                report = verify(session, query, allow_files=True)
            except ValueError as error:
                raise fail(str(error), EXIT_BAD_INPUT) from error
            except DataFolderError as error:
                raise fail(str(error), EXIT_BAD_INPUT) from error
    if as_json:
        print_json(report.model_dump(mode="json"))
    elif not report.matches:
        console.print(f"[red]no registration matches[/red] {query}")
    for match in [] if as_json else report.matches:
        state = "[green]valid[/green]" if match.manifest.signature_valid else f"[red]{match.manifest.problem}[/red]"
        console.print(f"registration {match.registration_id}: {match.status}, manifest {match.manifest.cid} {state}")
        if match.matched_file:
            console.print(
                f"  file {match.matched_file.path} of the registered folder (Merkle proof included in --json)"
            )
        for ancestor in match.lineage:
            console.print(f"  lineage: registration {ancestor.registration_id}, {ancestor.status}")
        if match.lineage_truncated:
            console.print("  (more ancestors not shown)")
    if not report.verified:
        raise typer.Exit(EXIT_REFUSED)


# ------------------------------------------------------------------------------------------------- database


@contextmanager
def database(settings: Settings) -> Iterator[Engine]:
    """The configured database as it is (not migrated); unreachable becomes exit code 3."""
    engine = make_engine(settings.resolved_database_url)
    try:
        yield engine
    except OperationalError as error:
        raise fail(f"the database is unreachable: {error.orig}", EXIT_UNREACHABLE) from error
    finally:
        engine.dispose()


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDirOption = None) -> None:
    """Bring the database to the newest schema (`drl up` and `drl serve` do it on start too)."""
    with database(load_settings(data_dir)) as engine:
        upgrade_schema(engine)
        revision = schema_revision(engine)
    console.print(f"database at revision {revision} (head)")


@db_app.command("current")
def db_current(data_dir: DataDirOption = None) -> None:
    """Print the database's schema revision and the newest one this code knows; exit 1 if they differ."""
    with database(load_settings(data_dir)) as engine:
        current = schema_revision(engine)
    head = head_revision()
    console.print(f"database at revision {current or 'none (empty, or created before migrations)'}; head {head}")
    if current != head:
        raise typer.Exit(EXIT_REFUSED)


@index_app.command("rebuild")
def index_rebuild(data_dir: DataDirOption = None) -> None:
    """Empty the index and rebuild it from the chain alone (and the manifests from IPFS)."""
    from ledger.index.follower import reset_index
    from ledger.index.manifests import load_manifests
    from ledger.index.queries import index_totals

    with ledger_runtime(data_dir) as runtime:
        reset_index(runtime.sessions)
        head = runtime.w3.eth.block_number
        first = runtime.deployment.deployment_block
        with Progress(console=errors, transient=True) as progress:
            task = progress.add_task("indexing blocks", total=max(head - first + 1, 1))
            events = 0
            while True:
                report = runtime.follower.sync(max_ranges=1)
                events += report.events
                progress.update(task, completed=report.to_block - first + 1)
                if report.to_block >= runtime.follower.final_block():
                    break
        deployment = runtime.deployment
        with Progress(console=errors, transient=True) as progress:
            progress.add_task("loading manifests from IPFS", total=None)
            manifests = load_manifests(runtime.sessions, runtime.ipfs, deployment.chain_id, deployment.registrations)
        with runtime.sessions() as session:
            totals = index_totals(session)
    console.print(
        f"index rebuilt: {events:,} events up to block {report.to_block}, {totals.registrations:,} registrations, "
        f"{manifests:,} manifests loaded of {totals.manifest_versions:,} manifest versions, "
        f"{totals.manifests_not_retrievable:,} not retrievable from IPFS yet (asked again later, with back-off)"
    )


@retention_app.command("check")
def retention_check(data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """Prove that everything the chain references is pinned, hashing right, on R nodes; exit 1 if not."""
    from ledger.retention import check_retention

    with ledger_runtime(data_dir) as runtime:
        _synced(runtime)
        report = check_retention(runtime.sessions, runtime.ipfs)
    if as_json:
        print_json(report.model_dump(mode="json"))
    else:
        console.print(
            f"{report.checked} items checked on {len(report.nodes)} nodes (R={report.replicas}), "
            f"{len(report.missing)} below R"
        )
        _print_missing(report.missing)
    if report.missing:
        raise typer.Exit(EXIT_REFUSED)


def _print_missing(missing: list[Any]) -> None:
    for item in missing:
        console.print(
            f"  [red]below R[/red] {item.kind} {item.cid} (registration {item.registration_id}): {item.problem}"
        )


@retention_app.command("repair")
def retention_repair(data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """Re-pin every item held by fewer than R nodes on other reachable nodes; exit 1 if some stay below R."""
    from ledger.retention import repair_retention

    with ledger_runtime(data_dir) as runtime:
        _synced(runtime)
        report = repair_retention(runtime.sessions, runtime.ipfs)
    if as_json:
        print_json(report.model_dump(mode="json"))
    else:
        console.print(f"{len(report.repaired)} items re-pinned, {len(report.missing)} still below R={report.replicas}")
        for item in report.repaired:
            console.print(f"  [green]re-pinned[/green] {item.kind} {item.cid} on {', '.join(item.pinned_on)}")
        _print_missing(report.missing)
    if report.missing:
        raise typer.Exit(EXIT_REFUSED)


@app.command("export")
def export_command(
    output: Annotated[Path, typer.Argument(help="The CAR file to write.")],
    data_dir: DataDirOption = None,
) -> None:
    """Write every manifest, evidence file and certificate document as one CAR file."""
    from ledger.retention import export_car

    with ledger_runtime(data_dir) as runtime:
        _synced(runtime)
        roots = export_car(runtime.sessions, runtime.ipfs, output)
    console.print(f"wrote {output} with {roots} roots")


# ------------------------------------------------------------------------------------------------- backups


@app.command("backup")
def backup_command(
    directory: Annotated[Path, typer.Argument(help="A new directory to write the backup into.")],
    data_dir: DataDirOption = None,
) -> None:
    """Back up the database, keystores, deployment file and every pinned item (CAR) into DIRECTORY."""
    from ledger.backup import BackupError, backup_ledger

    with ledger_runtime(data_dir) as runtime:
        _synced(runtime)
        try:
            description = backup_ledger(runtime, directory)
        except BackupError as error:
            raise fail(str(error), EXIT_BAD_INPUT) from error
    console.print(
        f"backed up the {description.database} database (index at block {description.index_block}), "
        f"{len(description.keystores)} keystores and {description.content_roots} items to {directory}"
    )


@app.command("restore")
def restore_command(
    directory: Annotated[Path, typer.Argument(help="A directory written by `drl backup`.")],
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Restore a backup onto an empty node, then re-verify it against the chain; exit 1 on any difference."""
    from ledger.backup import BackupError, restore_ledger

    with ledger_runtime(data_dir) as runtime:
        try:
            report = restore_ledger(runtime, directory)
        except BackupError as error:
            raise fail(str(error), EXIT_BAD_INPUT) from error
    if as_json:
        print_json(report.model_dump(mode="json"))
    else:
        console.print(
            f"restored; re-verified {report.registrations} registrations against the chain at block {report.block}: "
            f"{len(report.differences)} tables differ, {len(report.missing_content)} items below R"
        )
        for difference in report.differences:
            console.print(
                f"  [red]differs[/red] {difference.table}: {len(difference.only_in_backup)} rows only in the backup, "
                f"{len(difference.only_on_chain)} only on the chain"
            )
        _print_missing(report.missing_content)
        if report.content_import_error:
            console.print(f"  [red]content not imported[/red]: {report.content_import_error}")
        if report.unsent_writes:
            console.print(
                f"  [yellow]{report.unsent_writes} writes queued in the restored outbox[/yellow]: sent when the "
                "service starts; check that none was sent after the backup was taken"
            )
    if not report.clean:
        raise typer.Exit(EXIT_REFUSED)


@app.command("bundle")
def bundle_command(
    registration_id: Annotated[int, typer.Argument(help="The registration id.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the bundle (JSON).")],
    file_sha256: Annotated[
        str | None, typer.Option("--file-sha256", help="Include the Merkle proof of this file of the folder.")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Write the proof bundle of a registration, for `drl verify-bundle` on any machine."""
    from ledger.bundles import BundleUnavailableError, bundle_of

    with ledger_runtime(data_dir) as runtime:
        _synced(runtime)
        with runtime.sessions() as session:
            try:
                bundle = bundle_of(session, runtime.ipfs, runtime.deployment, registration_id, file_sha256)
            except BundleUnavailableError as error:
                raise fail(str(error), EXIT_REFUSED) from error
    output.write_text(bundle.model_dump_json(indent=2) + "\n")
    console.print(f"wrote the proof bundle of registration {registration_id} to {output}")


@app.command("verify-bundle")
def verify_bundle_command(
    bundle_path: Annotated[
        Path,
        typer.Argument(help="A proof bundle (JSON): from `drl bundle` or the service's /v1/registrations/ID/bundle."),
    ],
    rpc: Annotated[str, typer.Option("--rpc", help="Any JSON-RPC node of the chain.")],
    ipfs: Annotated[str | None, typer.Option("--ipfs", help="A Kubo RPC API to fetch the manifests from too.")] = None,
) -> None:
    """Check a proof bundle against a node of the chain, trusting neither the service nor its database."""
    from web3 import Web3

    from ledger.chain.reader import Web3ChainReader
    from ledger.ipfs import IpfsClient
    from ledger.proofs.bundle import BundleCheckError, ProofBundle, RegistrationBundle, verify_bundle

    try:
        document = json.loads(bundle_path.read_bytes())
        if isinstance(document, dict) and document.get("schema") == "drl.evidence-bundle/1":
            _verify_evidence_bundle(bundle_path, rpc)
            return
        bundle = ProofBundle.model_validate_json(bundle_path.read_bytes())
    except OSError as error:
        raise fail(f"cannot read {bundle_path}: {error.strerror}", EXIT_BAD_INPUT) from error
    except ValidationError as error:
        raise fail(f"{bundle_path} is not a proof bundle: {error.error_count()} problems", EXIT_BAD_INPUT) from error
    except json.JSONDecodeError as error:
        raise fail(f"{bundle_path} is not JSON: {error}", EXIT_BAD_INPUT) from error
    reader = Web3ChainReader(Web3(Web3.HTTPProvider(rpc, request_kwargs={"timeout": 30})))
    try:
        verify_bundle(reader, bundle)
        if ipfs is not None:
            with IpfsClient(ipfs) as client:
                pending: list[RegistrationBundle] = [bundle.registration, *bundle.ancestors]
                while pending:
                    current = pending.pop()
                    block = base64.b64decode(current.manifest_block)
                    if client.get_raw_block(raw_cid(block)) != block:
                        raise BundleCheckError(f"registration {current.registration_id}: IPFS serves another manifest")
                    pending.extend(current.parents)
    except BundleCheckError as error:
        raise fail(f"the bundle does not check out: {error}", EXIT_REFUSED) from error
    except IpfsUnavailableError as error:
        raise fail(str(error), EXIT_UNREACHABLE) from error
    except Exception as error:
        if not is_unreachable(error):
            raise
        raise fail(f"the node at {rpc} is unreachable", EXIT_UNREACHABLE) from error
    console.print(
        f"[green]bundle verified[/green]: registration {bundle.registration.registration_id} on chain "
        f"{bundle.chain_id}, status {Status.of(bundle.registration.status)}"
    )


# ------------------------------------------------------------------------------------------ verify-certificate


@app.command("verify-certificate")
def verify_certificate_command(
    document_path: Annotated[
        Path, typer.Argument(help="A certificate document (JSON): its IPFS block, or any copy of it.")
    ],
    rpc: Annotated[str, typer.Option("--rpc", help="Any JSON-RPC node of the chain.")],
    ipfs: Annotated[
        str | None, typer.Option("--ipfs", help="A Kubo RPC API: also fetch the recorded document by its CID.")
    ] = None,
    registry: Annotated[
        str | None, typer.Option("--registry", help="The registry the authority publishes; refuse any other.")
    ] = None,
) -> None:
    """Check a certificate document against a node of the chain, trusting neither the service nor its database:
    every member it states is re-derived from the chain, and a changed one is named."""
    from web3 import Web3

    from ledger.chain.reader import Web3CertificateReader
    from ledger.ipfs import IpfsClient, IpfsError
    from ledger.manifest.cid import raw_cid_of_digest
    from ledger.proofs.certificate import CertificateCheckError, document_block, parse_document, verify_certificate

    try:
        document = parse_document(document_path.read_bytes())
    except OSError as error:
        raise fail(f"cannot read {document_path}: {error.strerror}", EXIT_BAD_INPUT) from error
    except CertificateCheckError as error:
        raise fail(f"{document_path}: {error}", EXIT_BAD_INPUT) from error
    reader = Web3CertificateReader(Web3(Web3.HTTPProvider(rpc, request_kwargs={"timeout": 30})))
    try:
        if ipfs is None:
            check = verify_certificate(reader, document, registry)
        else:
            with IpfsClient(ipfs) as client:

                def manifest_of(digest: str) -> bytes:
                    return client.get_raw_block(raw_cid_of_digest(bytes.fromhex(digest[2:])))

                check = verify_certificate(reader, document, registry, manifest_of)
                if client.get_raw_block(check.cid) != document_block(document):
                    raise CertificateCheckError(f"IPFS serves another document under {check.cid}")
    except CertificateCheckError as error:
        raise fail(f"the certificate document does not check out: {error}", EXIT_REFUSED) from error
    except IpfsUnavailableError as error:
        raise fail(str(error), EXIT_UNREACHABLE) from error
    except IpfsError as error:
        raise fail(f"the certificate document does not check out: IPFS: {error}", EXIT_REFUSED) from error
    except Exception as error:
        if not is_unreachable(error):
            raise
        raise fail(f"the node at {rpc} is unreachable", EXIT_UNREACHABLE) from error
    where = f"certificate {check.number} of registration {check.registration_id} (document {check.cid})"
    if not check.current:
        state = "retired" if not check.live else f"its registration is {check.status}"
        raise fail(f"{where} is authentic but no longer current: {state}", EXIT_REFUSED)
    console.print(f"[green]certificate verified[/green]: {where}, current, registration {check.status}")


def _verify_evidence_bundle(bundle_path: Path, rpc: str) -> None:
    """`drl verify-bundle` of an evidence bundle (drl.evidence-bundle/1)."""
    from ledger.evidence_bundles import Web3AnchorReader
    from ledger.proofs.tlog_bundle import EvidenceBundle, EvidenceBundleError, verify_evidence_bundle

    try:
        bundle = EvidenceBundle.model_validate_json(bundle_path.read_bytes())
    except ValidationError as error:
        raise fail(
            f"{bundle_path} is not an evidence bundle: {error.error_count()} problems", EXIT_BAD_INPUT
        ) from error
    w3 = Web3(Web3.HTTPProvider(rpc, request_kwargs={"timeout": 30}))
    try:
        if w3.eth.chain_id != bundle.chain_id:
            raise fail(
                f"the node at {rpc} serves chain {w3.eth.chain_id}, the bundle chain {bundle.chain_id}", EXIT_REFUSED
            )
        checkpoint = verify_evidence_bundle(Web3AnchorReader(w3), bundle)
    except EvidenceBundleError as error:
        raise fail(f"the evidence bundle does not check out: {error}", EXIT_REFUSED) from error
    except typer.Exit:
        raise
    except Exception as error:
        if not is_unreachable(error):
            raise
        raise fail(f"the node at {rpc} is unreachable", EXIT_UNREACHABLE) from error
    consistency = " and consistent with the anchored checkpoint before it" if bundle.consistency else ""
    console.print(
        f"[green]evidence verified[/green]: entry {bundle.index} is in checkpoint {checkpoint.size} of "
        f"{checkpoint.origin}, anchored on chain {bundle.chain_id} by {bundle.anchorer}{consistency}"
    )


# ----------------------------------------------------------------------------- verify-evidence-certificate


@app.command("verify-evidence-certificate")
def verify_evidence_certificate_command(
    document_path: Annotated[
        Path,
        typer.Argument(
            help="An evidence certificate: its document, or the service's answer (GET /v1/evidence-certificates/N)."
        ),
    ],
    log: Annotated[str | None, typer.Option("--log", help="Any copy of the evidence log (its tiles), by URL.")] = None,
    rpc: Annotated[str | None, typer.Option("--rpc", help="Any JSON-RPC node of the chain.")] = None,
) -> None:
    """Check an evidence certificate (drl.evidence-certificate/1) trusting neither the service nor its database:
    the checkpoint's signature offline; each entry's leaf hash and inclusion with --log; the anchor with --rpc.
    A changed member is named."""
    from ledger.evidence_bundles import Web3AnchorReader
    from ledger.evidence_log import EvidenceLog
    from ledger.proofs.tlog_certificate import (
        EvidenceCertificateCheckError,
        EvidenceCertificateDocument,
        IssuedCopy,
        verify_evidence_certificate,
    )
    from ledger.proofs.tlog_note import NoteError, VerifierKey

    try:
        parsed = json.loads(document_path.read_bytes())
        answer = parsed if isinstance(parsed, dict) and "document" in parsed else None
        document = EvidenceCertificateDocument.model_validate(answer["document"] if answer else parsed)
        issued = IssuedCopy(str(answer["document_digest"]), int(answer["log_index"])) if answer else None
    except OSError as error:
        raise fail(f"cannot read {document_path}: {error.strerror}", EXIT_BAD_INPUT) from error
    except json.JSONDecodeError as error:
        raise fail(f"{document_path} is not JSON: {error}", EXIT_BAD_INPUT) from error
    except (ValidationError, KeyError, TypeError, ValueError) as error:
        raise fail(f"{document_path} is not an evidence certificate: {error}", EXIT_BAD_INPUT) from error
    try:
        source = EvidenceLog(log, VerifierKey.parse(document.log_key)) if log else None
    except NoteError as error:
        raise fail(f"the certificate document does not check out: log_key: {error}", EXIT_REFUSED) from error
    chain = Web3AnchorReader(Web3(Web3.HTTPProvider(rpc, request_kwargs={"timeout": 30}))) if rpc else None
    try:
        check = verify_evidence_certificate(document, source, chain, issued)
    except EvidenceCertificateCheckError as error:
        raise fail(f"the evidence certificate does not check out: {error}", EXIT_REFUSED) from error
    except LogUnavailableError as error:
        raise fail(str(error), EXIT_UNREACHABLE) from error
    except Exception as error:
        if not is_unreachable(error):
            raise
        raise fail(f"the node at {rpc} is unreachable", EXIT_UNREACHABLE) from error
    finally:
        if source is not None:
            source.close()
    checked = ["the checkpoint's signature"]
    checked += ["each entry's leaf hash and inclusion in the log"] if check.against_log else []
    checked += ["the document's digest as logged"] if check.digest_logged else []
    checked += ["the anchor on chain"] if check.against_chain else []
    console.print(
        f"[green]evidence certificate verified[/green]: {check.number}, {check.entries} entries in checkpoint "
        f"{check.size} of {check.origin}; checked {', '.join(checked)}"
    )
    if not (check.against_log and check.against_chain):
        console.print(
            "not checked: "
            + ", ".join(
                part
                for part, done in (
                    ("the entries (give --log)", check.against_log),
                    ("the anchor (give --rpc)", check.against_chain),
                )
                if not done
            )
        )


def run_background_workers(
    runtime: LedgerRuntime, stop: threading.Event, interval: float = 2.0, chore_interval: float = 3600.0
) -> list[threading.Thread]:
    """The outbox worker, the indexer (every `interval` seconds, with the check for writes a reorganisation
    undid) and the chores (every `chore_interval`), as daemon threads until `stop` is set, each working only
    while this instance leads (ledger.leadership). None of them dies of an error: each logs it and tries again."""
    leadership = runtime.leadership  # the outbox worker, the indexer and the chores work only while leading

    def follow() -> None:
        standing = StandingWrites()  # the writes found on chain at the last check, and its highest block's hash
        while not stop.is_set():
            try:
                with leadership.permit() as leading:
                    if leading:
                        horizon = runtime.settings.reorg_horizon_blocks
                        requeue_orphaned_writes(runtime.sessions, runtime.w3, horizon, standing)
                        _synced(runtime)
            except Exception as error:  # noqa: BLE001 - a worker logs and retries, it never dies
                errors.print(f"[yellow]indexer: {error}[/yellow]")
            stop.wait(interval)

    def chores() -> None:
        while not stop.is_set():
            try:
                with leadership.permit() as leading:
                    if leading:
                        draft_pins.expire_unsubmitted(
                            runtime.sessions, runtime.ipfs, runtime.settings.draft_evidence_days
                        )
            except Exception as error:  # noqa: BLE001 - a worker logs and retries, it never dies
                errors.print(f"[yellow]draft expiry: {error}[/yellow]")
            stop.wait(chore_interval if leadership.leading else interval)

    threads = [
        leadership.campaign(stop),
        threading.Thread(target=runtime.outbox.run_forever, args=(stop,), name="outbox", daemon=True),
        threading.Thread(target=follow, name="indexer", daemon=True),
        threading.Thread(target=chores, name="chores", daemon=True),
    ]
    if runtime.settings.tlog_dir.joinpath(VERIFIER_KEY_FILE).exists():  # a ledger that runs an evidence log
        anchorer = EvidenceAnchorer(runtime)
        threads.append(
            threading.Thread(
                target=anchorer.run_forever, args=(stop, 1.0, leadership.permit), name="evidence", daemon=True
            )
        )
    for thread in threads[1:]:  # the campaign runs already
        thread.start()
    return threads


# ------------------------------------------------------------------------------------------------- evidence log
evidence_app = typer.Typer(help="The evidence log (存证): entries recorded in a Tessera transparency log.")
app.add_typer(evidence_app, name="evidence")


@evidence_app.command("add")
def evidence_add(
    path: Annotated[Path, typer.Argument(help="A JSON Lines file of entries, or a folder of them.")],
    party: Annotated[str, typer.Option("--party", help="The account the entries are recorded for.")],
    batch: Annotated[int, typer.Option("--batch", min=1, max=1000, help="Entries per write to the log.")] = 500,
    data_dir: DataDirOption = None,
) -> None:
    """Record every entry of FILE.jsonl (or of each *.jsonl under FOLDER), durable in the log; re-running adds
    nothing twice."""
    if not path.exists():
        raise fail(f"{path} does not exist", EXIT_BAD_INPUT)
    try:
        party = Web3.to_checksum_address(party)
        files = evidence.evidence_files(path)
        counts = {file: sum(1 for _ in evidence.read_items(file)) for file in files}
    except (ValueError, evidence.EvidenceFileError) as error:
        raise fail(str(error), EXIT_BAD_INPUT) from error
    added = repeated = 0
    with ledger_runtime(data_dir) as runtime, Progress(console=errors, transient=True) as progress:
        task = progress.add_task("recording evidence", total=sum(counts.values()))
        for file in files:
            items = list(evidence.read_items(file))
            for number, start in enumerate(range(0, len(items), batch)):
                chunk = items[start : start + batch]
                try:
                    with runtime.sessions() as session:
                        recorded = evidence.record(
                            session, runtime.evidence_log, party, chunk, evidence.import_key(file, number)
                        )
                except LogUnavailableError as error:
                    raise fail(str(error), EXIT_UNREACHABLE) from error
                added += sum(r.added for r in recorded)
                repeated += sum(not r.added for r in recorded)
                progress.advance(task, len(chunk))
    console.print(f"recorded {added} new entries ({repeated} already in the log) from {len(files)} file(s)")


@evidence_app.command("bundle")
def evidence_bundle_command(
    index: Annotated[int, typer.Argument(min=0, help="The entry's index in the log.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the bundle (JSON).")],
    data_dir: DataDirOption = None,
) -> None:
    """Write the proof bundle of an evidence entry: its inclusion in an anchored checkpoint (drl.evidence-bundle/1)."""
    from ledger.evidence_bundles import EvidenceNotAnchoredError, evidence_bundle

    with ledger_runtime(data_dir) as runtime:
        try:
            bundle = evidence_bundle(runtime, index)
        except EvidenceNotAnchoredError as error:
            raise fail(str(error), EXIT_REFUSED) from error
    output.write_text(bundle.model_dump_json(by_alias=True, exclude_none=True, indent=2) + "\n")
    console.print(f"wrote the proof bundle of evidence entry {index} to {output}")


if __name__ == "__main__":
    app()
