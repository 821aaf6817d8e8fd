"""A caller that starts waiting for the chain says so, to whoever admitted it.

The service admits a bounded number of write requests at a time (`api.limits.Admission`); a request that then
sleeps until its write is mined, or until the index has read it, costs no CPU meanwhile, and keeping its place
would hold back the requests queued behind it for a block time or more. The place is given up through a
callback set for the request's context: the ledger calls `waiting_starts` where it starts such a sleep, and
never needs to know who listens.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar, Token

_on_waiting: ContextVar[Callable[[], None] | None] = ContextVar("on_waiting", default=None)


def when_waiting(callback: Callable[[], None] | None) -> Token[Callable[[], None] | None]:
    """Calls `callback` (once or more: it must be idempotent) when this context starts waiting for the chain;
    the token resets it (`stop_listening`)."""
    return _on_waiting.set(callback)


def stop_listening(token: Token[Callable[[], None] | None]) -> None:
    """Undoes `when_waiting`."""
    _on_waiting.reset(token)


def waiting_starts() -> None:
    """This caller now sleeps until the chain (or the index) moves; whoever admitted it may give its place away."""
    callback = _on_waiting.get()
    if callback is not None:
        callback()
