"""A pipeline's statuses, why it stops, and the rules of a step's retries (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class PipelineStatus(StrEnum):
    RUNNING = "RUNNING"  # the engine runs its next step when due
    WAITING = "WAITING"  # the external step waits for its callback
    COMPENSATING = "COMPENSATING"  # undoing completed steps, newest first
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


ACTIVE = (PipelineStatus.RUNNING, PipelineStatus.WAITING, PipelineStatus.COMPENSATING)
# A compensation that failed for a reason other than an engine away tries again this soon.
COMPENSATION_RETRY = timedelta(seconds=2)


class StopReason(StrEnum):
    FAILED = "failed"
    CANCEL = "cancel"
    TIMEOUT = "timeout"


class InvalidTransition(Exception):
    """The pipeline is not where this transition can start from; nothing changes."""


def retry_delay(attempt: int, base: float) -> float:
    """Seconds before attempt `attempt + 1`: base, 2·base, 4·base, ..."""
    return float(base * 2 ** (attempt - 1))


@dataclass(frozen=True)
class StepRules:
    """How long and how often a step is tried (from the settings)."""

    attempts: int
    retry_base: float
    outage_tolerance: float
    callback_timeout: float
