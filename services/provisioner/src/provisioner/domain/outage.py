"""How long a step waits for an engine that is away (pure).

A step that meets an outage is retried with the kit's capped backoff while the outage budget
lasts, counted from the first error of that outage (kept on the pipeline); only past the budget
does the error count against the step's attempts. Compensation waits the same way but never
gives up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from service_kit.outage_rules import next_wait


@dataclass(frozen=True)
class EngineWait:
    """Retry the step after `delay` seconds; the outage began at `since`."""

    since: datetime
    delay: float


def wait_for_engine(since: datetime | None, now: datetime, tolerance: float) -> EngineWait | None:
    """How to wait for an engine a step met away; None once `tolerance` seconds have passed.

    `since` is when this pipeline's outage began (None: it begins now).
    """
    began = since or now
    delay = next_wait((now - began).total_seconds(), tolerance)
    return None if delay is None else EngineWait(since=began, delay=delay)


def engine_reason(error: BaseException, waited: float, tolerance: float) -> str:
    """The step's error while it waits: which engine error, and how much of the budget is gone."""
    return (
        f"engine unavailable: {type(error).__name__}: {error}"
        f" (waiting {waited:.0f}s of {tolerance:g}s)"
    )
