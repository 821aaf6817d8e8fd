"""A caller that sleeps until the chain (or the index) moves says so, to whoever admitted it.

The service admits a bounded number of write requests at a time (`api.limits.Admission`). A request asleep on
the chain costs no CPU, and keeping its place would hold the requests queued behind it for a block time or
more; so it gives its place up when it starts sleeping, and writes its answer after waking without one. It
does not queue for a place again: it sleeps on a worker thread, and forty such threads waiting for places
held by requests that wait for a thread deadlocked the service at 64 clients. The place is reached through
the request's context: the ledger says where it sleeps and never needs to know who listens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Protocol


class Place(Protocol):
    """A caller's place among those admitted to work at once."""

    def give_up(self) -> None:
        """Lets the next caller in (idempotent)."""


def _stays() -> None:
    """Nobody admitted this caller: nothing to give up."""


_place: ContextVar[Place | None] = ContextVar("place", default=None)


def admitted(place: Place | None) -> Token[Place | None]:
    """This context holds `place`; the token undoes it (`_place.reset` through `left`)."""
    return _place.set(place)


def left(token: Token[Place | None]) -> None:
    """Undoes `admitted`."""
    _place.reset(token)


@contextmanager
def asleep() -> Iterator[Callable[[], None]]:
    """The block may sleep on the chain or the index: it calls what it is given before it first sleeps (the place,
    if any, is given up then, for the rest of the request)."""
    place = _place.get()
    yield place.give_up if place is not None else _stays
