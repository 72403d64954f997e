"""The pipeline read-model (docs/saga.md "Read-model rules"): statuses and an order-free merge.

`merge` is a join: commutative, associative and idempotent, so any order of arrival and any
number of duplicates of the same step events end in the same `StepState`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal

from shared_schemas.events import STEP_ORDER


class PipelineStatus(StrEnum):
    RUNNING = "RUNNING"
    TIMING_OUT = "TIMING_OUT"  # the sweeper asked the provisioner to give up; no second ask
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


ACTIVE_PIPELINE = frozenset({PipelineStatus.RUNNING, PipelineStatus.TIMING_OUT})


class StepStatus(StrEnum):
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    COMPENSATING = "COMPENSATING"
    COMPENSATED = "COMPENSATED"
    CANCELLED = "CANCELLED"
    SKIPPED = "SKIPPED"


_S = StepStatus
TERMINAL_STEP = frozenset({_S.SUCCEEDED, _S.FAILED, _S.COMPENSATED, _S.CANCELLED, _S.SKIPPED})

# Higher wins whatever arrives when: every terminal status above every non-terminal one, and
# COMPENSATED above all (undoing a step is the last word on it).
PRECEDENCE: dict[StepStatus, int] = {
    _S.PENDING: 0,
    _S.IN_PROGRESS: 1,
    _S.COMPENSATING: 2,
    _S.SKIPPED: 3,
    _S.SUCCEEDED: 4,
    _S.CANCELLED: 5,
    _S.FAILED: 6,
    _S.COMPENSATED: 7,
}

StepEventKind = Literal["started", "succeeded", "failed", "compensated"]


@dataclass(frozen=True)
class StepEvent:
    """What one `provisioning.step_*` event says, reduced to what the read-model keeps."""

    kind: StepEventKind
    attempt: int
    at: datetime
    error: str | None = None
    will_retry: bool = False

    @property
    def status(self) -> StepStatus:
        if self.kind == "started":
            return _S.IN_PROGRESS
        if self.kind == "succeeded":
            return _S.SUCCEEDED
        if self.kind == "compensated":
            return _S.COMPENSATED
        # A failed attempt that will be retried leaves the step running.
        return _S.IN_PROGRESS if self.will_retry else _S.FAILED


@dataclass(frozen=True)
class StepState:
    """One row of the read-model for a (pipeline, step)."""

    status: StepStatus
    status_attempt: int  # attempt of the event that set `status`, to order equal statuses
    attempts: int  # highest attempt seen
    last_error: str | None
    error_attempt: int | None  # attempt of `last_error`
    started_at: datetime | None  # first start seen
    finished_at: datetime | None  # when the current terminal status was reached
    updated_by_event_at: datetime  # latest event time seen


def merge(current: StepState | None, event: StepEvent) -> StepState:
    """The state after `event`: highest precedence, then latest attempt; older never overwrites."""
    status = event.status
    terminal = status in TERMINAL_STEP
    if current is None:
        return StepState(
            status=status,
            status_attempt=event.attempt,
            attempts=event.attempt,
            last_error=event.error,
            error_attempt=event.attempt if event.error is not None else None,
            started_at=event.at if event.kind == "started" else None,
            finished_at=event.at if terminal else None,
            updated_by_event_at=event.at,
        )
    state = replace(
        current,
        attempts=max(current.attempts, event.attempt),
        updated_by_event_at=max(current.updated_by_event_at, event.at),
    )
    if event.kind == "started":
        state = replace(state, started_at=_earliest(state.started_at, event.at))
    if event.error is not None and _error_key(event.attempt, event.error) > _error_key(
        state.error_attempt, state.last_error
    ):
        state = replace(state, last_error=event.error, error_attempt=event.attempt)
    incoming = (PRECEDENCE[status], event.attempt)
    kept = (PRECEDENCE[state.status], state.status_attempt)
    if incoming > kept:
        state = replace(
            state,
            status=status,
            status_attempt=event.attempt,
            finished_at=event.at if terminal else None,
        )
    elif incoming == kept and terminal:
        state = replace(state, finished_at=_latest(state.finished_at, event.at))
    return state


def step_sort_key(step: str) -> tuple[int, str]:
    """Plan order; a step the plan does not know goes last, by name."""
    return (STEP_ORDER.index(step), "") if step in STEP_ORDER else (len(STEP_ORDER), step)


def _error_key(attempt: int | None, error: str | None) -> tuple[int, str]:
    return (attempt or 0, error or "") if error is not None else (-1, "")


def _earliest(a: datetime | None, b: datetime) -> datetime:
    return b if a is None else min(a, b)


def _latest(a: datetime | None, b: datetime) -> datetime:
    return b if a is None else max(a, b)
