"""PostgreSQL 15 on 127.0.0.1 in a directory of its own: the tests' server database, and later the
cluster topology's (`drl up --topology cluster`).

The binaries are Debian's `postgresql-15`: installed system-wide (`/usr/lib/postgresql/15/bin`), or
unpacked without root by `scripts/setup.sh` into the user's cache (`apt-get download` + `dpkg-deb -x`).
PostgreSQL refuses to run as root, so on a machine that runs as root the server runs as the system user
`drl-pg` (created once, `ledger.stack.server_account`), and the cluster's directory belongs to it.
"""

from __future__ import annotations

import os
import pwd
import secrets
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ledger.stack.process import ManagedProcess
from ledger.stack.server_account import as_account, hand_over, reachable_copy, server_account
from ledger.toolchain import cache_dir

POSTGRES_MAJOR = 15
SYSTEM_BIN_DIR = Path(f"/usr/lib/postgresql/{POSTGRES_MAJOR}/bin")
SERVER_USER = "drl-pg"
SUPERUSER = "postgres"


class PostgresUnavailableError(RuntimeError):
    """The PostgreSQL binaries are not installed and were not unpacked by the setup."""


def unpacked_root() -> Path:
    """Where `scripts/setup.sh` unpacks Debian's packages when PostgreSQL is not installed system-wide."""
    return cache_dir() / f"postgresql-{POSTGRES_MAJOR}"


def postgres_bin_dir() -> Path:
    """The directory of `postgres`, `initdb` and `pg_isready`: `DRL_POSTGRES_BIN_DIR`, the system's, or the cache's."""
    override = os.environ.get("DRL_POSTGRES_BIN_DIR")
    candidates = [Path(override)] if override else [SYSTEM_BIN_DIR, _unpacked_bin_dir(unpacked_root())]
    for candidate in candidates:
        if (candidate / "postgres").is_file():
            return candidate
    raise PostgresUnavailableError(
        f"no PostgreSQL {POSTGRES_MAJOR} in {' or '.join(map(str, candidates))}; run scripts/setup.sh"
    )


def _unpacked_bin_dir(root: Path) -> Path:
    return root / "usr" / "lib" / "postgresql" / str(POSTGRES_MAJOR) / "bin"


def _library_env(bin_dir: Path) -> dict[str, str]:
    """LD_LIBRARY_PATH for binaries unpacked from packages: their libraries (libpq, ICU, ...) lie beside them."""
    root = bin_dir.parents[4]  # <root>/usr/lib/postgresql/15/bin
    libraries = sorted(str(path) for path in (root / "usr" / "lib").glob("*-linux-gnu"))
    return {"LD_LIBRARY_PATH": ":".join(libraries)} if libraries and root != Path("/") else {}


def client_program(name: str) -> tuple[list[str], dict[str, str]]:
    """The argv head and environment of a client program of PostgreSQL (`pg_dump`, `pg_restore`), run as us."""
    bin_dir = postgres_bin_dir()
    return [str(bin_dir / name)], _library_env(bin_dir)


def _server_user() -> pwd.struct_passwd | None:
    """The unprivileged account the server runs as when we are root (created on first use), else None."""
    return server_account(SERVER_USER)


@dataclass(frozen=True)
class PostgresCluster:
    """A database cluster made by `initdb`: its directory, binaries and superuser password."""

    directory: Path
    bin_dir: Path
    password: str
    user: pwd.struct_passwd | None

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def socket_dir(self) -> Path:
        return self.directory / "socket"

    def url(self, port: int, database: str = SUPERUSER) -> str:
        """The SQLAlchemy URL of `database` on this cluster's server listening on `port`."""
        return f"postgresql+psycopg://{SUPERUSER}:{self.password}@127.0.0.1:{port}/{database}"

    def command(self, name: str, *args: str) -> list[str]:
        """The argv of one of the cluster's programs, run as the server's user."""
        return as_account([str(self.bin_dir / name), *args], self.user)

    @property
    def env(self) -> dict[str, str]:
        return _library_env(self.bin_dir)


def _bin_dir_for(user: pwd.struct_passwd | None, directory: Path) -> Path:
    """The binaries, where the server's user can reach them (a copy in the cluster's directory when unpacked into
    root's cache)."""
    bin_dir = postgres_bin_dir()
    root = unpacked_root()
    if user is None or not bin_dir.is_relative_to(root):
        return bin_dir
    return _unpacked_bin_dir(reachable_copy(root, directory / "install", user))


def init_cluster(directory: Path) -> PostgresCluster:
    """A new cluster in `directory` (created, owned by the server's user): `initdb` with a random password.

    `directory`'s parent must be enterable by the server's user (pytest's own temporary directories are
    root's alone; `tempfile.mkdtemp()` in /tmp is fine).
    """
    user = _server_user()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    hand_over(directory, user)
    cluster = PostgresCluster(directory, _bin_dir_for(user, directory), secrets.token_urlsafe(24), user)
    password_file = directory / "password"
    password_file.write_text(cluster.password)
    password_file.chmod(0o600)
    hand_over(password_file, user)
    cluster.socket_dir.mkdir(mode=0o700, exist_ok=True)
    hand_over(cluster.socket_dir, user)
    try:
        subprocess.run(  # noqa: S603 - argv built here
            cluster.command(
                "initdb",
                "--pgdata",
                str(cluster.data_dir),
                "--username",
                SUPERUSER,
                "--pwfile",
                str(password_file),
                "--auth",
                "scram-sha-256",
                "--encoding",
                "UTF8",
                "--locale",
                "C.UTF-8",
                "--no-sync",
            ),
            env={**os.environ, **cluster.env},
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as error:
        raise PostgresUnavailableError(f"initdb failed: {error.stderr.decode(errors='replace')}") from error
    finally:
        password_file.unlink()
    return cluster


def postgres_process(cluster: PostgresCluster, port: int, *, durable: bool = True) -> ManagedProcess:
    """The server of `cluster` on 127.0.0.1:`port`, its unix socket in the cluster's directory.

    Stopped with SIGINT (PostgreSQL's fast shutdown: clients are disconnected, nothing is lost); SIGTERM
    would wait for every pooled connection to close. Without `durable` (tests), nothing is flushed to disk.
    """
    settings = {
        "listen_addresses": "127.0.0.1",
        "port": str(port),
        "unix_socket_directories": str(cluster.socket_dir),
        "max_connections": "200",
    }
    if not durable:
        settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
    argv = cluster.command("postgres", "-D", str(cluster.data_dir), *(f"-c{k}={v}" for k, v in settings.items()))
    probe = cluster.command("pg_isready", "--host", "127.0.0.1", "--port", str(port), "--quiet")

    def ready() -> bool:
        env = {**os.environ, **cluster.env}
        return subprocess.run(probe, env=env, check=False, timeout=5).returncode == 0  # noqa: S603

    return ManagedProcess(
        "postgres",
        argv,
        cluster.directory / "postgres.log",
        ready=ready,
        env=cluster.env,
        stop_signal=signal.SIGINT,
    )


def reopen_cluster(directory: Path, password: str) -> PostgresCluster:
    """The cluster `init_cluster` made in `directory` earlier, whose superuser password the caller kept."""
    user = _server_user()
    return PostgresCluster(directory, _bin_dir_for(user, directory), password, user)


def server_user_needs_entry() -> bool:
    """Whether the server runs as another user (we are root), who must be able to enter the cluster's parents."""
    return _server_user() is not None
