"""Leadership: which one of several service instances sends transactions and follows the chain.

Any number of `drl serve` instances may share one database and answer any request; the outbox worker
and the indexer must run in exactly one of them, or two workers would hand the same relayer nonce to
two writes. The instance that holds the lease leads:
- on PostgreSQL the lease is a session-level advisory lock held on a connection of its own. The server
  frees it the moment that connection ends (the process killed, the network gone, the server restarted),
  so a dead leader's lease frees itself and another instance takes it at its next try; the holder checks
  the lock on that connection before every unit of work and stops at once when the check fails;
- within a unit of work, before each transaction leaves the machine, the outbox asks `Leadership.fence`:
  the unit still runs under the term (the generation of the lease) it began in, and the lease's connection
  shows no sign of loss (a system call, no round trip: the server ends a session by writing to it);
- on SQLite (one machine, one instance) the lease is an exclusive `flock` on a file beside the database,
  which the kernel frees when the process dies.

A serving instance campaigns: a thread tries to take the lease every `heartbeat` seconds while it does
not lead. A process that does not campaign (a CLI command, an HTTP worker process) may still do a unit
of work when nobody leads, holding the lease just for that unit, so `drl register --wait` works with no
service running and never keeps the lease from the service.
"""

from __future__ import annotations

import fcntl
import logging
import os
import select
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, create_engine, make_url, text
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# The advisory lock's key: the first 62 bits of sha256("drl:leader"), positive so that it splits into the
# two unsigned halves pg_locks shows (classid, objid).
LEADER_LOCK_KEY = 978_566_899_036_871_369
APPLICATION_NAME = "drl-leader"  # the lease connection's name on the server, followed by the holder's address
_HELD = (
    "FROM pg_locks JOIN pg_stat_activity USING (pid) WHERE locktype = 'advisory' AND granted AND objsubid = 1"
    " AND ((classid::bigint << 32) | objid::bigint) = :key"
)


class Lease(Protocol):
    """A lock at most one process holds at a time, freed when its holder dies."""

    def try_acquire(self) -> bool:
        """Takes the lease if it is free; True when this process holds it now."""

    def still_held(self) -> bool:
        """Whether this process still holds the lease, checked now (not remembered)."""

    def release(self) -> None:
        """Gives the lease up (a no-op when not held)."""

    def intact(self) -> bool:
        """Whether this process still holds the lease as far as can be told without a round trip (cheap enough
        to ask before every transaction sent)."""


class AdvisoryLockLease:
    """A PostgreSQL session-level advisory lock on a dedicated connection.

    The connection has TCP keepalives and a statement timeout of a few seconds, so a check on a dead
    connection fails within seconds instead of hanging; a failed check closes the connection, which is
    what frees the lock on the server if it still stands.
    """

    def __init__(self, url: str, key: int = LEADER_LOCK_KEY, timeout_seconds: int = 3, holder: str = "") -> None:
        self._key = key
        self._engine = create_engine(
            url,
            poolclass=NullPool,
            connect_args={
                "connect_timeout": timeout_seconds,
                "keepalives": 1,
                "keepalives_idle": 1,
                "keepalives_interval": 1,
                "keepalives_count": timeout_seconds,
                "options": f"-c statement_timeout={timeout_seconds * 1000}",
                "application_name": f"{APPLICATION_NAME} {holder}".strip(),  # who leads, for `drl doctor`
            },
        )
        self._connection: Connection | None = None
        self._held = False
        self._lock = threading.Lock()  # the connection is shared by the campaign and the workers

    def try_acquire(self) -> bool:
        with self._lock:
            if self._held:
                return self._check()
            try:
                if self._connection is None:
                    self._connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                taken = self._connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key})
            except Exception as error:  # noqa: BLE001 - the database is away: nobody here leads
                log.debug("leader lease: cannot reach the database: %s", error)
                self._drop()
                return False
            self._held = bool(taken)
            return self._held

    def still_held(self) -> bool:
        with self._lock:
            return self._held and self._check()

    def release(self) -> None:
        with self._lock:
            if self._held and self._connection is not None:
                try:
                    self._connection.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
                except Exception:  # noqa: BLE001 - a dead connection has freed the lock already
                    self._drop()
            self._held = False

    def intact(self) -> bool:
        """Whether the lease stands, at the cost of one `poll` of the connection's socket: the lease's connection
        is idle between checks, so anything the server sent unasked (the error that ends a terminated session,
        the notice of a shutdown) or a closed socket means the session is ending; then the full check decides.

        A connection cut silently (no packet at all) is not seen here but by the next check of the lock,
        within the keepalive's few seconds, as before."""
        with self._lock:
            if not self._held or self._connection is None:
                return False
            raw = self._connection.connection.dbapi_connection
            if raw is None or getattr(raw, "closed", True):
                self._drop()
                return False
            readable = select.poll()
            readable.register(raw.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
            if not readable.poll(0):
                return True
            return self._check()

    def close(self) -> None:
        """Releases the lease and closes the dedicated connection."""
        self.release()
        with self._lock:
            self._drop()
        self._engine.dispose()

    def _check(self) -> bool:
        """Whether the server still shows this session holding the lock; a failure ends the session."""
        assert self._connection is not None
        try:
            holds = self._connection.scalar(
                text(f"SELECT EXISTS (SELECT 1 {_HELD} AND pid = pg_backend_pid())"),
                {"key": self._key},
            )
        except Exception as error:  # noqa: BLE001 - lost connection = lost leadership
            log.warning("leader lease lost: %s", error)
            self._drop()
            return False
        if not holds:
            self._held = False
        return bool(holds)

    def _drop(self) -> None:
        self._held = False
        if self._connection is not None:
            try:
                self._connection.invalidate()
                self._connection.close()
            except Exception:  # noqa: BLE001, S110 - closing a broken connection may fail; it is gone either way
                pass
            self._connection = None


class FileLease:
    """An exclusive `flock` on a file: the lease of instances on one machine (SQLite)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        with self._lock:
            if self._fd is not None:
                return True
            self._path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self._path, os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            self._fd = fd
            return True

    def still_held(self) -> bool:
        return self._fd is not None

    def intact(self) -> bool:
        return self._fd is not None  # the kernel holds the flock as long as the descriptor is open

    def release(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)  # closing the descriptor releases the flock
                self._fd = None

    def close(self) -> None:
        """Releases the lease."""
        self.release()


class SoleLease:
    """The lease of a database no other process can open (SQLite in memory): always held."""

    def try_acquire(self) -> bool:
        return True

    def still_held(self) -> bool:
        return True

    def intact(self) -> bool:
        return True

    def release(self) -> None:
        return None

    def close(self) -> None:
        return None


def lease_for(database_url: str, holder: str = "") -> AdvisoryLockLease | FileLease | SoleLease:
    """The lease that fits the database: an advisory lock on PostgreSQL, a file lock beside a SQLite file.

    `holder` names this instance (its address) to whoever asks who leads."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return AdvisoryLockLease(database_url, holder=holder)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        return FileLease(database.with_name(database.name + ".leader"))
    return SoleLease()


class Leadership:
    """This process's standing among the instances: whether it leads, and the campaign to lead."""

    def __init__(self, lease: AdvisoryLockLease | FileLease | SoleLease, heartbeat: float = 1.0) -> None:
        self._lease = lease
        self._heartbeat = heartbeat
        self._campaigning = False
        self._leading = False
        # The term: how many times this process gained the lease. A unit of work records the term it began in,
        # and may go on only while it is still the current one (a fencing token, kept in memory).
        self._term = 0
        self._unit = threading.local()  # the term the calling thread's current unit of work began in

    @property
    def leading(self) -> bool:
        """Whether this process led at its last check (for readiness and `drl doctor`)."""
        return self._leading

    @contextmanager
    def permit(self) -> Iterator[bool]:
        """Yields whether this process may do one unit of leader's work (an outbox pass, an index sync) now.

        A campaigning process checks that it still holds the lease; one that does not campaign takes the
        lease for the unit if it is free and gives it back after.
        """
        outer = getattr(self._unit, "term", None)  # a permit asked within another keeps the outer unit's term
        if self._campaigning:
            self._leading = self._leading and self._lease.still_held()
            self._unit.term = self._term if self._leading else None
            try:
                yield self._leading
            finally:
                self._unit.term = outer
            return
        taken = self._lease.try_acquire()
        self._unit.term = self._term if taken else None
        try:
            yield taken
        finally:
            self._unit.term = outer
            if taken:
                self._lease.release()

    def fence(self) -> bool:
        """Whether the calling thread's unit of work may still send its next transaction: it runs under a
        permit, in the term it began in (a campaigning process that lost the lease, even if it took it again
        since, has another term), and the lease shows no sign of loss (`Lease.intact`, no round trip).

        The outbox asks before each broadcast, so that a leader that lost its lease midway through a batch
        leaves the rest of it (signed and stored) to the new leader instead of racing it."""
        term = getattr(self._unit, "term", None)
        if term is None or term != self._term or (self._campaigning and not self._leading):
            return False
        return self._lease.intact()

    def campaign(self, stop: threading.Event) -> threading.Thread:
        """Starts a thread that tries to take the lease every heartbeat while not leading and checks it while
        leading, until `stop`; from now on this process works only while it holds the lease."""
        self._campaigning = True
        thread = threading.Thread(target=self._campaign, args=(stop,), name="leadership", daemon=True)
        thread.start()
        return thread

    def _campaign(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                leading = self._lease.still_held() if self._leading else self._lease.try_acquire()
                if leading != self._leading:
                    log.warning("this instance %s", "now leads" if leading else "no longer leads")
                    if leading:
                        self._term += 1
                self._leading = leading
                stop.wait(self._heartbeat)
        finally:
            self._leading = False
            self._campaigning = False
            self._lease.release()

    def close(self) -> None:
        """Gives the lease up and closes its connection."""
        self._leading = False
        self._lease.close()


def leader_on(database_url: str) -> str | None:
    """Who holds the lease on a PostgreSQL database now (the holder named at `lease_for`), or None if nobody does."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            name = connection.scalar(text(f"SELECT application_name {_HELD}"), {"key": LEADER_LOCK_KEY})
    finally:
        engine.dispose()
    return None if name is None else str(name).removeprefix(APPLICATION_NAME).strip() or "(unnamed)"
