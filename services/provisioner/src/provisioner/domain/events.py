"""What a pipeline's transitions cause, to be published (pure: the contracts are built later)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared_schemas.events import StepName


@dataclass(frozen=True)
class StepStarted:
    step: StepName
    attempt: int


@dataclass(frozen=True)
class StepSucceeded:
    step: StepName
    attempt: int
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StepAttemptFailed:
    step: StepName
    attempt: int
    error: str
    will_retry: bool


@dataclass(frozen=True)
class StepCompensated:
    step: StepName


@dataclass(frozen=True)
class Completed:
    app_url: str
    resources: tuple[str, ...]


@dataclass(frozen=True)
class Failed:
    step: StepName
    reason: str


@dataclass(frozen=True)
class Cancelled:
    pass


PipelineEvent = (
    StepStarted
    | StepSucceeded
    | StepAttemptFailed
    | StepCompensated
    | Completed
    | Failed
    | Cancelled
)
