"""The provisioning pipeline's step names, and the one order a plan runs them in."""

from __future__ import annotations

from enum import StrEnum


class StepName(StrEnum):
    PREFLIGHT = "preflight"
    DATABASE = "database"
    CREDENTIALS = "credentials"
    INFRASTRUCTURE = "infrastructure"  # the external step: a pipeline driver, then a callback
    BILLING = "billing"


# Every plan runs its steps in this order (a tier may leave `infrastructure` out).
STEP_ORDER: tuple[StepName, ...] = tuple(StepName)
