"""What one attempt of a step comes to (pure): done, waiting for a callback, or failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class StepFailed(Exception):
    """A step attempt failed; `permanent` ones are not retried."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


@dataclass(frozen=True)
class Done:
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Waiting:
    """The step triggered an external pipeline and waits for its callback."""


@dataclass(frozen=True)
class AttemptFailed:
    """The attempt raised `error`; `engine_away` is the outage behind it, if it was one."""

    error: Exception
    engine_away: BaseException | None = None

    @property
    def permanent(self) -> bool:
        return isinstance(self.error, StepFailed) and self.error.permanent


Outcome = Done | Waiting | AttemptFailed


@dataclass(frozen=True)
class Completion:
    """What the pipeline's last step completes it with (read from the ledger by the caller)."""

    default_app_url: str
    resources: tuple[str, ...]
