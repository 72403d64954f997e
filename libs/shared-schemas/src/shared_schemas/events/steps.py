"""The provisioning pipeline's step names, and the one order a plan runs them in."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field


class StepName(StrEnum):
    PREFLIGHT = "preflight"
    DATABASE = "database"
    IDENTITY = "identity"  # the tenant's own OpenID client, where a provider is configured
    CREDENTIALS = "credentials"
    INFRASTRUCTURE = "infrastructure"  # the external step: a pipeline driver, then a callback
    BILLING = "billing"


# Every plan runs its steps in this order (a tier may leave `infrastructure` out).
STEP_ORDER = tuple(StepName)

# A step as events carry it: a known name parses to `StepName`, any other stays text, as
# before the names were typed. A consumer older than a new step still takes its events (the
# read-model lists an unknown step last) instead of dead-lettering them.
StepField = Annotated[
    StepName | str,
    Field(union_mode="left_to_right", description="The step's name; see `StepName`."),
]
