"""The outbox's doorbell: a process that queues a write and does not lead wakes the leader's worker at once.

The leader's worker sleeps between passes until a write is queued in its own process, or `poll_interval` passes
(for writes queued by other processes). An HTTP worker process of `drl serve --workers N`, a standby instance or
a CLI command queues writes the leader would otherwise see only at its next poll: half a second of a
registration's latency at one client (issue 13). So the process that queues rings, and the leader answers:
- on a SQLite file (`drl serve --workers N`: one machine, one data directory) the bell is a UNIX datagram
  socket beside the database (`ledger.db.outbox`), bound by the leader alone, in the data directory only its
  owner may enter. A ring is one datagram sent without blocking;
- on PostgreSQL (several instances, `drl up --topology cluster`) it is `NOTIFY drl_outbox`, which reaches every
  instance; the leader `LISTEN`s on a connection of its own.

A ring is a hint, never needed for correctness: the write is committed before it rings, a ring nobody hears
(no leader, a leader between two terms, a full socket buffer, a lost connection) costs at most `poll_interval`,
and a spurious one an idle pass.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

CHANNEL = "drl_outbox"  # the PostgreSQL notification channel
HEARING_CHECK = 1.0  # seconds: how soon a listener that was hung up on notices it
SOCKET_PATH_MAX = 107  # bytes of a UNIX socket's path (sun_path holds 108 with the closing NUL)


class Doorbell(Protocol):
    """How a process that queued a write wakes the leader's outbox worker."""

    @property
    def answering(self) -> bool:
        """Whether rings reach this process now."""

    def ring(self) -> None:
        """Tells the leader a write was queued (after its commit); never raises, never blocks for long."""

    def answer(self, heard: threading.Event) -> None:
        """From now on every ring sets `heard` (this process leads); a no-op while answering already."""

    def hang_up(self) -> None:
        """Rings no longer reach this process (it no longer leads, or stops)."""


class SilentDoorbell:
    """No other process can queue writes (SQLite in memory): nothing to ring, nothing to hear."""

    answering = False

    def ring(self) -> None:
        return None

    def answer(self, heard: threading.Event) -> None:
        return None

    def hang_up(self) -> None:
        return None


class SocketDoorbell:
    """A UNIX datagram socket at `path`, bound by the leader: the doorbell of processes on one machine."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._reachable = len(os.fsencode(path)) <= SOCKET_PATH_MAX  # else the doorbell stays silent
        self._sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sender.setblocking(False)  # a full queue means the leader has rings waiting already: no need to wait
        self._listener: socket.socket | None = None
        self._bound: tuple[int, int] | None = None  # (device, inode) of the socket file this process bound
        self._warned = False
        self._lock = threading.Lock()

    @property
    def answering(self) -> bool:
        return self._listener is not None

    def ring(self) -> None:
        if not self._reachable:
            return
        try:
            self._sender.sendto(b"\x01", str(self._path))
        except OSError as error:  # nobody answers (no leader now) or the leader has rings waiting already
            log.debug("outbox doorbell at %s: %s", self._path, error)

    def answer(self, heard: threading.Event) -> None:
        with self._lock:
            if self._listener is not None:
                return
            if not self._reachable:
                if not self._warned:
                    log.warning("%s is too long for a socket: writes of other processes wait for the poll", self._path)
                    self._warned = True
                return
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            try:
                # This process holds the lease: a socket file left there is a former leader's.
                with contextlib.suppress(FileNotFoundError):
                    self._path.unlink()
                listener.bind(str(self._path))
                os.chmod(self._path, 0o600)
                status = os.stat(self._path)
            except OSError as error:
                listener.close()
                log.debug("outbox doorbell: cannot answer at %s: %s", self._path, error)
                return
            listener.settimeout(HEARING_CHECK)
            self._listener, self._bound = listener, (status.st_dev, status.st_ino)
        threading.Thread(target=self._hear, args=(listener, heard), name="outbox-doorbell", daemon=True).start()

    def hang_up(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            if listener is None:
                return
            listener.close()  # the hearing thread notices within HEARING_CHECK
            with contextlib.suppress(OSError):
                status = os.stat(self._path)
                if (status.st_dev, status.st_ino) == self._bound:  # not a socket a later leader bound since
                    self._path.unlink()
            self._bound = None

    def _hear(self, listener: socket.socket, heard: threading.Event) -> None:
        while self._listener is listener:
            try:
                listener.recv(64)
            except TimeoutError:
                continue
            except OSError:
                return
            heard.set()


class NotifyDoorbell:
    """PostgreSQL's `NOTIFY`/`LISTEN` on `CHANNEL`: the doorbell of instances sharing a database server."""

    def __init__(self, url: str, engine: Engine) -> None:
        """`engine` (the service's pool) sends rings; the leader listens on a connection of its own to `url`."""
        self._url = url
        self._engine = engine
        self._answering: threading.Event | None = None
        self._lock = threading.Lock()

    @property
    def answering(self) -> bool:
        return self._answering is not None

    def ring(self) -> None:
        try:
            with self._engine.begin() as connection:
                connection.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
        except Exception as error:  # noqa: BLE001 - a lost ring costs a poll interval, never the write
            log.debug("outbox doorbell: %s", error)

    def answer(self, heard: threading.Event) -> None:
        with self._lock:
            if self._answering is not None:
                return
            self._answering = heard
        threading.Thread(target=self._listen, args=(heard,), name="outbox-doorbell", daemon=True).start()

    def hang_up(self) -> None:
        with self._lock:
            self._answering = None  # the listening thread notices within HEARING_CHECK and closes its connection

    def _listen(self, heard: threading.Event) -> None:
        """Listens while this process answers; a lost connection is opened again a moment later."""
        engine = create_engine(self._url, poolclass=NullPool)
        try:
            while self._answering is heard:
                try:
                    with engine.connect() as connection:
                        connection.execution_options(isolation_level="AUTOCOMMIT")
                        connection.execute(text(f"LISTEN {CHANNEL}"))
                        heard.set()  # rings while nobody listened were lost: look once
                        driver: Any = connection.connection.driver_connection
                        while self._answering is heard:
                            for _ in driver.notifies(timeout=HEARING_CHECK):
                                heard.set()
                except Exception as error:  # noqa: BLE001 - the database is away; the poll covers until it is back
                    log.info("outbox doorbell: listening failed: %s", error)
                    time.sleep(HEARING_CHECK)
        finally:
            engine.dispose()


def doorbell_for(database_url: str, engine: Engine) -> SocketDoorbell | NotifyDoorbell | SilentDoorbell:
    """The doorbell that fits the database, as `ledger.leadership.lease_for` chooses the lease: `NOTIFY` on
    PostgreSQL, a socket beside a SQLite file, none for SQLite in memory."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return NotifyDoorbell(database_url, engine)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        return SocketDoorbell(database.with_name(database.name + ".outbox"))
    return SilentDoorbell()
