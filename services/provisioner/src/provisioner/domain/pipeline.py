"""Pipeline and ledger states, and how long to wait before a step's next attempt (pure)."""

from __future__ import annotations

from enum import StrEnum


class PipelineStatus(StrEnum):
    RUNNING = "RUNNING"  # the engine runs its next step when due
    WAITING = "WAITING"  # the external step waits for its callback
    COMPENSATING = "COMPENSATING"  # undoing completed steps, newest first
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


ACTIVE = (PipelineStatus.RUNNING, PipelineStatus.WAITING, PipelineStatus.COMPENSATING)


class StopReason(StrEnum):
    FAILED = "failed"
    CANCEL = "cancel"
    TIMEOUT = "timeout"


class ResourceStatus(StrEnum):
    CREATING = "CREATING"  # written before the effect: it may or may not exist
    CREATED = "CREATED"
    DELETED = "DELETED"


def retry_delay(attempt: int, base: float) -> float:
    """Seconds before attempt `attempt + 1`: base, 2·base, 4·base, ..."""
    return float(base * 2 ** (attempt - 1))
