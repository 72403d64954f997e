"""The arithmetic of a run: percentiles, summaries and per-second series. Pure functions."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

PERCENTILES = (50.0, 90.0, 95.0, 99.0)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100), interpolated linearly between the closest ranks.

    The same definition as numpy's default, so numbers compare with other tools'.
    """
    if not values:
        raise ValueError("no values")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} outside 0..100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarise(values: Sequence[float]) -> dict[str, float | int | None]:
    """Count, mean, min, max and the usual percentiles (keys `p50` ...); None when empty."""
    summary: dict[str, float | int | None] = {"count": len(values)}
    keys = ["mean", "min", "max", *(_key(p) for p in PERCENTILES)]
    if not values:
        summary.update(dict.fromkeys(keys))
        return summary
    summary["mean"] = sum(values) / len(values)
    summary["min"] = min(values)
    summary["max"] = max(values)
    for p in PERCENTILES:
        summary[_key(p)] = percentile(values, p)
    return summary


def _key(p: float) -> str:
    return f"p{p:g}".replace(".", "_")


def per_second(times: Iterable[float], start: float, end: float | None = None) -> list[int]:
    """How many of `times` fall in each whole second after `start` (earlier ones are dropped).

    With `end`, the series covers every second up to it, zeros included.
    """
    counts: list[int] = []
    for t in times:
        if t < start or (end is not None and t >= end):
            continue
        second = int(t - start)
        if second >= len(counts):
            counts.extend([0] * (second + 1 - len(counts)))
        counts[second] += 1
    if end is not None:
        length = math.ceil(end - start)
        counts.extend([0] * (length - len(counts)))
    return counts


def cpu_ms_per_operation(by_group_pct: dict[str, float], throughput: float) -> dict[str, float]:
    """CPU milliseconds each process group spent per request (or per tenant): its CPU share
    (100 = one core) over the throughput. Groups under 1% and `other` are left out."""
    if throughput <= 0:
        return {}
    return {
        group: round(pct * 10 / throughput, 2)
        for group, pct in by_group_pct.items()
        if group != "other" and pct >= 1.0
    }


def rate(count: int, seconds: float) -> float:
    """Events per second; 0 for an empty or instant window."""
    return count / seconds if seconds > 0 else 0.0
