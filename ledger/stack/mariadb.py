"""MariaDB 10.11 on 127.0.0.1 in a directory of its own: the database of the evidence log on Tessera's MySQL storage,
the path for several `tlog serve` writers on one log (docs/evidence-log.md, "Several writers").

The binaries are Debian's `mariadb-server-core` and `mariadb-client-core`: installed system-wide, or unpacked without
root by `scripts/setup-mariadb.sh` into the user's cache (`apt-get download` + `dpkg-deb -x`). On a machine that runs
as root the server runs as the system account `drl-mariadb` (`ledger.stack.server_account`).

Root is confined to the server's unix socket, in a directory only the server's account (and root) may enter: the
server resolves no names, so `root@localhost` never matches a TCP client, and the start drops the TCP root accounts
`mariadb-install-db` made. Each log gets a database and an account of its own with a random password
(`MariaDBServer.create_database`), reachable over TCP on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ledger.stack.process import ManagedProcess
from ledger.stack.server_account import Account, as_account, hand_over, reachable_copy, server_account
from ledger.toolchain import cache_dir

MARIADB_SERIES = "10.11"
SERVER_ACCOUNT = "drl-mariadb"
SYSTEM_ROOT = Path("/")
_SERVER = Path("usr/sbin/mariadbd")


class MariaDBUnavailableError(RuntimeError):
    """The MariaDB binaries are not installed and were not unpacked by the setup, or the server refused a step."""


def unpacked_root() -> Path:
    """Where `scripts/setup-mariadb.sh` unpacks Debian's packages when MariaDB is not installed system-wide."""
    return cache_dir() / f"mariadb-{MARIADB_SERIES}"


def mariadb_root() -> Path:
    """The root the binaries are installed under (`usr/sbin/mariadbd`, `usr/bin/mariadb`, `usr/share/mysql`):
    `DRL_MARIADB_ROOT`, the system's, or the cache's."""
    override = os.environ.get("DRL_MARIADB_ROOT")
    candidates = [Path(override)] if override else [SYSTEM_ROOT, unpacked_root()]
    for candidate in candidates:
        if (candidate / _SERVER).is_file() and (candidate / "usr/bin/mariadb-install-db").is_file():
            return candidate
    raise MariaDBUnavailableError(
        f"no MariaDB in {' or '.join(map(str, candidates))}; run scripts/setup.sh (scripts/setup-mariadb.sh)"
    )


def _library_env(root: Path) -> dict[str, str]:
    """LD_LIBRARY_PATH for binaries unpacked from packages: the libraries they need (libaio, liburing) lie beside."""
    if root == SYSTEM_ROOT:
        return {}
    libraries = sorted(str(path) for path in (root / "usr" / "lib").glob("*-linux-gnu"))
    return {"LD_LIBRARY_PATH": ":".join(libraries)} if libraries else {}


@dataclass(frozen=True)
class MariaDBServer:
    """A data directory made by `mariadb-install-db`, the install root its server runs from, and its account."""

    directory: Path
    root: Path
    account: Account | None

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def socket(self) -> Path:
        return self.directory / "socket" / "mariadbd.sock"

    @property
    def env(self) -> dict[str, str]:
        return _library_env(self.root)

    def command(self, program: str, *args: str) -> list[str]:
        """The argv of one of the server's programs (`usr/sbin` or `usr/bin`), run as the server's account."""
        sbin = self.root / "usr" / "sbin" / program
        path = sbin if sbin.is_file() else self.root / "usr" / "bin" / program
        return as_account([str(path), *args], self.account)

    @property
    def client(self) -> list[str]:
        """The argv head of the `mariadb` client, run as us, reading no option files."""
        return [str(self.root / "usr" / "bin" / "mariadb"), "--no-defaults"]

    def execute(self, sql: str) -> str:
        """Runs SQL as root through the unix socket (the client runs as us); returns its tab-separated output."""
        try:
            done = subprocess.run(  # noqa: S603 - argv built here, SQL from the project
                [
                    *self.client,
                    f"--socket={self.socket}",
                    "--user=root",
                    "--batch",
                    "--skip-column-names",
                    f"--execute={sql}",
                ],
                env={**os.environ, **self.env},
                check=True,
                capture_output=True,
                text=True,
                timeout=30,
            )
        except subprocess.CalledProcessError as error:
            raise MariaDBUnavailableError(f"mariadb refused {sql[:60]!r}: {error.stderr.strip()}") from error
        return done.stdout

    def create_database(self, name: str, port: int) -> MariaDBDatabase:
        """A new database and an account of the same name with a random password, allowed from 127.0.0.1 only,
        on this server listening on `port`."""
        if not name.isidentifier() or len(name) > 64:
            raise ValueError(f"database name {name!r}: letters, digits and _ only, 64 at most")
        database = MariaDBDatabase(name, secrets.token_urlsafe(24), port)
        self.execute(
            f"CREATE DATABASE `{name}`; CREATE USER '{name}'@'127.0.0.1' IDENTIFIED BY '{database.password}'; "
            f"GRANT ALL PRIVILEGES ON `{name}`.* TO '{name}'@'127.0.0.1';"
        )
        return database


@dataclass(frozen=True)
class MariaDBDatabase:
    """A database on a server, and the account (of the same name) that may use it from 127.0.0.1."""

    name: str
    password: str
    port: int

    @property
    def dsn(self) -> str:
        """go-sql-driver/mysql's DSN without the password (`tools/tlog` takes it from `TLOG_MYSQL_PASSWORD`, so it
        never shows in a process list)."""
        return f"{self.name}@tcp(127.0.0.1:{self.port})/{self.name}"


def init_server(directory: Path) -> MariaDBServer:
    """A new data directory in `directory` (created, the server account's): `mariadb-install-db`, root with no
    password (confined to the socket once started, see the module's docstring).

    `directory`'s parent must be enterable by the server's account (`tempfile.mkdtemp()` in /tmp is fine).
    """
    account = server_account(SERVER_ACCOUNT)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    hand_over(directory, account)
    root = mariadb_root()
    if account is not None and root != SYSTEM_ROOT:
        root = reachable_copy(root, directory / "install", account)
    server = MariaDBServer(directory, root, account)
    for private in (server.socket.parent, directory / "tmp"):
        private.mkdir(mode=0o700, exist_ok=True)
        hand_over(private, account)
    install_db = server.command(
        "mariadb-install-db",
        "--no-defaults",
        f"--basedir={root / 'usr'}",
        f"--datadir={server.data_dir}",
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
        "--skip-name-resolve",
    )
    try:
        subprocess.run(  # noqa: S603 - argv built here
            install_db, env={**os.environ, **server.env}, check=True, capture_output=True, cwd=directory
        )
    except subprocess.CalledProcessError as error:
        output = (error.stdout + error.stderr).decode(errors="replace")[-2000:]
        raise MariaDBUnavailableError(f"mariadb-install-db failed: {output}") from error
    confine = directory / "confine-root.sql"
    confine.write_text("DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1';\n")
    hand_over(confine, account)
    return server


def mariadb_process(server: MariaDBServer, port: int, *, durable: bool = True) -> ManagedProcess:
    """The server of `server` on 127.0.0.1:`port` (TCP for the logs) and its unix socket (root's only way in).

    Without `durable` (tests, benchmarks of the code rather than the disk), InnoDB does not flush at each commit.
    """
    share = server.root / "usr" / "share" / "mysql"
    settings = [
        "--no-defaults",
        f"--datadir={server.data_dir}",
        f"--basedir={server.root / 'usr'}",
        f"--plugin-dir={server.root / 'usr' / 'lib' / 'mysql' / 'plugin'}",
        f"--lc-messages-dir={share}",
        f"--character-sets-dir={share / 'charsets'}",
        f"--socket={server.socket}",
        f"--pid-file={server.directory / 'mariadbd.pid'}",
        f"--tmpdir={server.directory / 'tmp'}",
        f"--init-file={server.directory / 'confine-root.sql'}",
        "--skip-networking=0",
        "--bind-address=127.0.0.1",
        f"--port={port}",
        "--skip-name-resolve",
        "--max-connections=500",
    ]
    if not durable:
        settings += ["--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0"]

    def ready() -> bool:
        return server.execute("SELECT 1").strip() == "1"

    return ManagedProcess(
        "mariadb",
        server.command("mariadbd", *settings),
        server.directory / "mariadbd.log",
        ready=ready,
        env=server.env,
        stop_signal=signal.SIGTERM,
    )
