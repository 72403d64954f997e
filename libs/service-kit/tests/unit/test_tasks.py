"""Stopping background tasks: a swallowed cancellation is asked again; a stubborn task is left."""

from __future__ import annotations

import asyncio

from service_kit.tasks import cancel_and_wait


async def test_a_task_that_swallows_one_cancellation_is_still_stopped() -> None:
    swallowed = 0

    async def loop_that_swallows_once() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed += 1  # as a library can do while a channel opens

    task = asyncio.create_task(loop_that_swallows_once())
    await asyncio.sleep(0)
    await cancel_and_wait([task], grace=2)
    assert swallowed == 1
    assert task.cancelled()


async def test_a_task_that_never_stops_is_left_after_the_grace_period() -> None:
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(stubborn(), name="stubborn")
    await asyncio.sleep(0)
    await cancel_and_wait([task], grace=0.3)
    assert not task.done()
    release.set()
    task.cancel()
    await asyncio.wait([task], timeout=1)
    assert task.done()


async def test_a_task_that_fails_as_it_stops_does_not_fail_the_shutdown() -> None:
    async def fails_on_cancel() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise ValueError("cleanup went wrong") from None

    task = asyncio.create_task(fails_on_cancel())
    await asyncio.sleep(0)
    await cancel_and_wait([task], grace=1)
    assert isinstance(task.exception(), ValueError)
