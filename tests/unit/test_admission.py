"""Admission at the door: a bounded number of write requests in progress, the rest served in order of arrival,
and a request asleep on the chain gives its place up."""

from __future__ import annotations

import anyio
import anyio.to_thread

from api.limits import Admission
from ledger.waiting import asleep


def test_no_more_requests_than_the_limit_are_in_progress_and_the_rest_are_served_in_order() -> None:
    in_progress, most, started = 0, 0, []

    async def request(number: int) -> None:
        nonlocal in_progress, most
        async with admission.place():
            started.append(number)
            in_progress += 1
            most = max(most, in_progress)
            await anyio.sleep(0.01)
            in_progress -= 1

    async def main() -> None:
        async with anyio.create_task_group() as group:
            for number in range(12):
                group.start_soon(request, number)
                await anyio.sleep(0)  # arrives after the one before it

    admission = Admission(3)
    anyio.run(main)
    assert most == 3
    assert started == list(range(12))  # none overtook another, none was refused


def test_a_request_that_starts_waiting_for_the_chain_gives_its_place_to_the_next() -> None:
    order: list[str] = []
    chain_moved = anyio.Event()

    def route_that_waits() -> None:  # a synchronous route on a worker thread, as `Outbox.wait` runs
        with asleep() as falling_asleep:
            order.append("first asleep")
            falling_asleep()
            falling_asleep()  # idempotent: a second call frees no second place
            anyio.from_thread.run(chain_moved.wait)
        order.append("first awake")

    async def first() -> None:
        async with admission.place():
            await anyio.to_thread.run_sync(route_that_waits)
            order.append("first answered")

    async def next_one(name: str) -> None:
        async with admission.place():
            order.append(name)
            if name == "second":
                await anyio.sleep(0.05)  # the third must still wait: one place, held by the second
                chain_moved.set()

    async def main() -> None:
        with anyio.fail_after(5):  # a place never given up would leave the second waiting for ever
            await both()

    async def both() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(first)
            await anyio.sleep(0.01)
            group.start_soon(next_one, "second")
            await anyio.sleep(0)
            group.start_soon(next_one, "third")

    admission = Admission(1)
    anyio.run(main)
    assert order[:2] == ["first asleep", "second"]  # served while the first sleeps on the chain
    assert set(order[2:]) == {"third", "first awake", "first answered"}


def test_a_place_given_up_is_not_released_twice() -> None:
    async def places_held_at_once() -> int:
        def sleep_once() -> None:
            with asleep() as falling_asleep:
                falling_asleep()

        async with admission.place():
            await anyio.to_thread.run_sync(sleep_once)  # given up here, and not released again on leaving
        inside = 0

        async def hold() -> None:
            nonlocal inside
            async with admission.place():
                inside += 1
                await anyio.sleep(10)

        async with anyio.create_task_group() as group:
            for _ in range(3):
                group.start_soon(hold)
            await anyio.sleep(0.05)
            group.cancel_scope.cancel()
        return inside

    admission = Admission(2)
    assert anyio.run(places_held_at_once) == 2  # a place released twice would let a third in
