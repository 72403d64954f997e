"""Background loops kept alive: a crash is logged, waited out, and the loop started again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

import structlog

log = structlog.get_logger(__name__)

# A job that ran this long before crashing was healthy, not crash-looping: its next restart waits
# the first delay again. Twice the longest delay, so a loop that dies at once after each restart
# (the database still away) never counts as healthy and its backoff keeps growing.
FIRST_RESTART_DELAY = 1.0
MAX_RESTART_DELAY = 30.0
HEALTHY_RUN = 2 * MAX_RESTART_DELAY


async def supervise(
    name: str,
    job: Callable[[], Coroutine[Any, Any, None]],
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep,
) -> None:
    """Keep a background loop alive: log a crash, wait, start it again.

    The wait doubles while the job keeps crashing and starts over once it has run for
    `HEALTHY_RUN` seconds, so an outage long past does not slow the recovery from the next one.
    """
    delay = FIRST_RESTART_DELAY
    while True:
        began = clock()
        try:
            await job()
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if clock() - began >= HEALTHY_RUN:
                delay = FIRST_RESTART_DELAY
            log.error("background job crashed; restarting", job=name, error=repr(exc), delay=delay)
            await sleep(delay)
            delay = min(delay * 2, MAX_RESTART_DELAY)
