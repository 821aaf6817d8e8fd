"""A caller that sleeps until the chain (or the index) moves says so, to whoever admitted it.

The service admits a bounded number of write requests at a time (`api.limits.Admission`). A request asleep on
the chain costs no CPU, and keeping its place would hold the requests queued behind it for a block time or
more; so it gives its place up while it sleeps, and takes one again (queued like any other) before it goes on
to write its answer. The place is reached through the request's context: the ledger says where it sleeps and
never needs to know who listens.
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

    def take_again(self) -> None:
        """Waits for a place again, if it was given up."""


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
    if any, is given up then); on leaving, a place given up is taken again."""
    place = _place.get()
    if place is None:
        yield lambda: None
        return
    try:
        yield place.give_up
    finally:
        place.take_again()
