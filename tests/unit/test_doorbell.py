"""The outbox's doorbell on one machine: a UNIX datagram socket beside the database, bound by the leader alone."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from ledger.doorbell import SilentDoorbell, SocketDoorbell, doorbell_for

HEARD_WITHIN = 10.0  # seconds: a deadline for the event, not a measurement


def test_a_ring_reaches_the_process_that_answers_and_its_socket_goes_when_it_hangs_up(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db.outbox"
    leader, other = SocketDoorbell(path), SocketDoorbell(path)
    heard = threading.Event()
    leader.answer(heard)
    try:
        assert leader.answering
        other.ring()
        assert heard.wait(HEARD_WITHIN)
    finally:
        leader.hang_up()
    assert not leader.answering
    assert not path.exists()
    other.ring()  # nobody answers: a ring is a hint, never an error


def test_a_socket_left_by_a_leader_that_died_is_replaced_by_the_next_one(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db.outbox"
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    stale.bind(str(path))
    stale.close()  # the file stays, as a killed process leaves it
    leader, heard = SocketDoorbell(path), threading.Event()
    leader.answer(heard)
    try:
        SocketDoorbell(path).ring()
        assert heard.wait(HEARD_WITHIN)
        assert path.stat().st_mode & 0o077 == 0  # only the owner may ring
    finally:
        leader.hang_up()


def test_a_leader_that_hangs_up_leaves_the_socket_of_the_leader_after_it(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db.outbox"
    former, latter = SocketDoorbell(path), SocketDoorbell(path)
    former.answer(threading.Event())
    heard = threading.Event()
    latter.answer(heard)  # took the lease: replaces the socket file
    former.hang_up()
    try:
        SocketDoorbell(path).ring()
        assert heard.wait(HEARD_WITHIN)
    finally:
        latter.hang_up()


def test_the_doorbell_follows_the_database() -> None:
    assert isinstance(doorbell_for("sqlite:////srv/drl/ledger.db", engine=None), SocketDoorbell)  # type: ignore[arg-type]
    assert isinstance(doorbell_for("sqlite://", engine=None), SilentDoorbell)  # type: ignore[arg-type]


def test_a_database_path_too_long_for_a_socket_leaves_the_leader_to_its_poll(tmp_path: Path) -> None:
    bell = SocketDoorbell(tmp_path / ("d" * 120) / "ledger.db.outbox")
    bell.answer(threading.Event())
    assert not bell.answering
    bell.ring()  # silent, not an error
