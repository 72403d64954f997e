"""Repeated timing of one call: warmed up past PostgreSQL's five custom plans, so a prepared
statement runs on whichever plan the server then caches, as in a long-running service."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

WARM_UP = 6


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


async def timed(call: Callable[[], Awaitable[Any]], repeat: int) -> dict[str, float]:
    """The first call's time, then the median and the slowest of `repeat` after warming up."""
    started = time.perf_counter()
    await call()
    first = time.perf_counter() - started
    for _ in range(WARM_UP - 1):
        await call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    median, slowest = ms(statistics.median(times)), ms(max(times))
    return {"first_ms": ms(first), "median_ms": median, "max_ms": slowest}
