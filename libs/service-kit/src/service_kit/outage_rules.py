"""An engine that is away is waited for, not counted as a failure (pure).

Whoever meets a database or Redis away (a provisioning step, a consumer's delivery) tries the
same work again with a capped backoff while an outage budget lasts, counted from the first error
of that outage; only past the budget does the error count as a failure.
"""

from __future__ import annotations

from collections.abc import Callable

FIRST_DELAY = 1.0  # seconds before the first retry of an outage
MAX_DELAY = 10.0  # the backoff's cap: an engine that is back is found within this long

# Of one error: True (an engine is away), False (no outage, whatever caused it) or None (ask
# its cause).
Verdict = Callable[[BaseException], bool | None]


def engine_away(exc: BaseException, verdict: Verdict) -> BaseException | None:
    """The error in `exc`'s chain (causes, contexts) that says an engine is away, if any.

    Drivers and ORMs wrap the network error they met; the outermost one alone would hide it.
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


def next_wait(elapsed: float, tolerance: float) -> float | None:
    """Seconds to wait before trying again `elapsed` seconds into an outage; None once
    `tolerance` seconds are spent.

    The last wait ends on the budget's end rather than past it, so nothing is counted as failed
    before the budget is spent, nor long after.
    """
    elapsed = max(0.0, elapsed)
    remaining = tolerance - elapsed
    if remaining <= 0:
        return None
    return min(backoff(elapsed), remaining)
