"""An engine that is away (a database, Redis) is waited for, not counted as a failed attempt (pure).

A step that meets an outage is retried with a capped backoff while the outage budget lasts,
counted from the first error of that outage; only past the budget does the error count against
the step's attempts. Compensation waits the same way but never gives up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

FIRST_DELAY = 1.0  # seconds before the first retry of an outage
MAX_DELAY = 10.0  # the backoff's cap: an engine that is back is found within this long


@dataclass(frozen=True)
class EngineWait:
    """Retry the step after `delay` seconds; the outage began at `since`."""

    since: datetime
    delay: float


def engine_away(
    exc: BaseException, verdict: Callable[[BaseException], bool | None]
) -> BaseException | None:
    """The error in `exc`'s chain (causes, contexts) that says an engine is away, if any.

    Drivers and ORMs wrap the network error they met; the outermost one alone would hide it.
    `verdict` says of one error: True (an engine is away), False (not an outage, whatever
    caused it: a third party's refusal, a missing file) or None (look at its cause).
    """
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        said = verdict(link)
        if said is not None:
            return link if said else None
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    return None


def backoff(elapsed: float) -> float:
    """Seconds to the next retry `elapsed` seconds into an outage: 1, 1, 2, 4, 8, then 10."""
    return min(MAX_DELAY, max(FIRST_DELAY, elapsed))


def wait_for_engine(since: datetime | None, now: datetime, tolerance: float) -> EngineWait | None:
    """How to wait for an engine a step met away; None once `tolerance` seconds have passed.

    `since` is when this pipeline's outage began (None: it begins now). The last retry falls
    on the budget's end rather than past it, so a step is never failed before the budget is spent.
    """
    began = since or now
    elapsed = max(0.0, (now - began).total_seconds())
    remaining = tolerance - elapsed
    if remaining <= 0:
        return None
    return EngineWait(since=began, delay=min(backoff(elapsed), remaining))


def engine_reason(error: BaseException, waited: float, tolerance: float) -> str:
    """The step's error while it waits: which engine error, and how much of the budget is gone."""
    return (
        f"engine unavailable: {type(error).__name__}: {error}"
        f" (waiting {waited:.0f}s of {tolerance:g}s)"
    )
