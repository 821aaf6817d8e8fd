"""The embedded evidence log: tools/tlog (Tessera on POSIX storage) serving `data_dir/tlog` on 127.0.0.1, or on
Tessera's MySQL storage (a MariaDB database, `ledger.stack.mariadb`) when several writers share the log.

The log's note key is made by the ledger on first start (`log.key`, readable by its owner only, and the
public `log.pub` that verifiers are given); Tessera signs every checkpoint with it.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from ledger.proofs.tlog_note import VerifierKey, new_signing_key
from ledger.stack.mariadb import MariaDBDatabase
from ledger.stack.process import ManagedProcess
from ledger.toolchain import TLOG

SIGNING_KEY_FILE = "log.key"
VERIFIER_KEY_FILE = "log.pub"


def ensure_log_key(tlog_dir: Path, origin: str) -> VerifierKey:
    """The log's verifier key, making the key pair on first use; refuses a key made for another origin."""
    tlog_dir.mkdir(parents=True, exist_ok=True)
    public_path = tlog_dir / VERIFIER_KEY_FILE
    if public_path.exists():
        key = VerifierKey.parse(public_path.read_text())
        if key.name != origin:
            raise ValueError(f"{public_path} is the key of {key.name!r}, not of the configured origin {origin!r}")
        return key
    signing, key = new_signing_key(origin)
    private_path = tlog_dir / SIGNING_KEY_FILE
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(signing + "\n")
    public_path.write_text(key.encode() + "\n")
    return key


def log_ready(url: str) -> bool:
    """Whether the log answers with a checkpoint (Tessera publishes one shortly after starting)."""
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


MYSQL_STORAGE = "mysql://"
MYSQL_PASSWORD_VARIABLE = "TLOG_MYSQL_PASSWORD"  # noqa: S105 - the variable's name, not a password


def tlog_process(
    tlog_dir: Path,
    port: int,
    origin: str,
    *,
    antispam: bool = True,
    database: MariaDBDatabase | None = None,
    name: str = "tlog",
) -> ManagedProcess:
    """The evidence log daemon over `tlog_dir`, listening on 127.0.0.1:`port`.

    With `database` (`MariaDBServer.create_database`) the log lives in that database instead of `tlog_dir/log`
    (Tessera's MySQL storage), and any number of these processes, each under its own `name` (its log file), may
    write to it. The password goes in the environment, not on the command line.
    """
    ensure_log_key(tlog_dir, origin)
    env: dict[str, str] = {}
    if database is None:
        storage = str(tlog_dir / "log")
        (tlog_dir / "log").mkdir(parents=True, exist_ok=True)
    else:
        storage = MYSQL_STORAGE + database.dsn
        env[MYSQL_PASSWORD_VARIABLE] = database.password
    argv = [
        str(TLOG.path),
        "serve",
        f"--storage={storage}",
        f"--key={tlog_dir / SIGNING_KEY_FILE}",
        f"--listen=127.0.0.1:{port}",
        f"--antispam={'true' if antispam else 'false'}",
    ]
    return ManagedProcess(
        name,
        argv,
        tlog_dir.parent / "logs" / f"{name}.log",
        ready=lambda: log_ready(f"http://127.0.0.1:{port}"),
        env=env,
    )
