"""Events of a provisioning pipeline (producer: provisioner)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from shared_schemas.envelope import EventV1
from shared_schemas.events.common import PipelineRef
from shared_schemas.events.steps import StepField


class StepData(PipelineRef):
    """Every step event names its pipeline, step, attempt and time, so order can be recovered."""

    step: StepField
    attempt: int = Field(ge=1)
    at: datetime


class StepStarted(EventV1):
    """A pipeline step began an attempt."""

    type: Literal["provisioning.step_started"] = "provisioning.step_started"
    data: StepData


class StepSucceededData(StepData):
    details: dict[str, Any] = Field(default_factory=dict)


class StepSucceeded(EventV1):
    """A pipeline step attempt succeeded, with optional details."""

    type: Literal["provisioning.step_succeeded"] = "provisioning.step_succeeded"
    data: StepSucceededData


class StepFailedData(StepData):
    error: str
    will_retry: bool


class StepFailed(EventV1):
    """A pipeline step attempt failed; `will_retry` says whether another attempt follows."""

    type: Literal["provisioning.step_failed"] = "provisioning.step_failed"
    data: StepFailedData


class StepCompensated(EventV1):
    """A completed step's effects were undone (during failure, cancel, timeout)."""

    type: Literal["provisioning.step_compensated"] = "provisioning.step_compensated"
    data: StepData


class ProvisioningCompletedData(PipelineRef):
    app_url: str | None = None
    resources: list[str] = Field(default_factory=list)


class ProvisioningCompleted(EventV1):
    """Every step succeeded; tenant-api marks the tenant ACTIVE."""

    type: Literal["provisioning.completed"] = "provisioning.completed"
    data: ProvisioningCompletedData


class ProvisioningFailedData(PipelineRef):
    step: StepField
    reason: str


class ProvisioningFailed(EventV1):
    """A step failed past its retries (or the pipeline timed out); compensation is done."""

    type: Literal["provisioning.failed"] = "provisioning.failed"
    data: ProvisioningFailedData


class ProvisioningCancelledData(PipelineRef):
    pass


class ProvisioningCancelled(EventV1):
    """The pipeline stopped on request and its completed steps were compensated."""

    type: Literal["provisioning.cancelled"] = "provisioning.cancelled"
    data: ProvisioningCancelledData


class InvoiceIssuedData(PipelineRef):
    invoice_id: UUID
    plan_id: str | None = None
    amount: str = Field(pattern=r"^\d+(\.\d{1,2})?$", description="Decimal as text, e.g. 49.00")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    period_start: datetime
    period_end: datetime


class InvoiceIssued(EventV1):
    """The billing step opened a subscription; tenant-api records the first invoice."""

    type: Literal["billing.invoice_issued"] = "billing.invoice_issued"
    data: InvoiceIssuedData
