"""Events of a provisioning pipeline (producer: provisioner)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from shared_schemas.envelope import Contract, Envelope
from shared_schemas.events.steps import StepField


class StepData(Contract):
    """Every step event names its pipeline, step, attempt and time, so order can be recovered."""

    tenant_id: UUID
    pipeline_id: UUID
    step: StepField
    attempt: int = Field(ge=1)
    at: datetime


class StepStarted(Envelope):
    """A pipeline step began an attempt."""

    type: Literal["provisioning.step_started"] = "provisioning.step_started"
    version: Literal[1] = 1
    data: StepData


class StepSucceededData(StepData):
    details: dict[str, Any] = Field(default_factory=dict)


class StepSucceeded(Envelope):
    """A pipeline step attempt succeeded, with optional details."""

    type: Literal["provisioning.step_succeeded"] = "provisioning.step_succeeded"
    version: Literal[1] = 1
    data: StepSucceededData


class StepFailedData(StepData):
    error: str
    will_retry: bool


class StepFailed(Envelope):
    """A pipeline step attempt failed; `will_retry` says whether another attempt follows."""

    type: Literal["provisioning.step_failed"] = "provisioning.step_failed"
    version: Literal[1] = 1
    data: StepFailedData


class StepCompensated(Envelope):
    """A completed step's effects were undone (during failure, cancel, timeout)."""

    type: Literal["provisioning.step_compensated"] = "provisioning.step_compensated"
    version: Literal[1] = 1
    data: StepData


class ProvisioningCompletedData(Contract):
    tenant_id: UUID
    pipeline_id: UUID
    app_url: str | None = None
    resources: list[str] = Field(default_factory=list)


class ProvisioningCompleted(Envelope):
    """Every step succeeded; tenant-api marks the tenant ACTIVE."""

    type: Literal["provisioning.completed"] = "provisioning.completed"
    version: Literal[1] = 1
    data: ProvisioningCompletedData


class ProvisioningFailedData(Contract):
    tenant_id: UUID
    pipeline_id: UUID
    step: StepField
    reason: str


class ProvisioningFailed(Envelope):
    """A step failed past its retries (or the pipeline timed out); compensation is done."""

    type: Literal["provisioning.failed"] = "provisioning.failed"
    version: Literal[1] = 1
    data: ProvisioningFailedData


class ProvisioningCancelledData(Contract):
    tenant_id: UUID
    pipeline_id: UUID


class ProvisioningCancelled(Envelope):
    """The pipeline stopped on request and its completed steps were compensated."""

    type: Literal["provisioning.cancelled"] = "provisioning.cancelled"
    version: Literal[1] = 1
    data: ProvisioningCancelledData


class InvoiceIssuedData(Contract):
    tenant_id: UUID
    pipeline_id: UUID
    invoice_id: UUID
    plan_id: str | None = None
    amount: str = Field(pattern=r"^\d+(\.\d{1,2})?$", description="Decimal as text, e.g. 49.00")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    period_start: datetime
    period_end: datetime


class InvoiceIssued(Envelope):
    """The billing step opened a subscription; tenant-api records the first invoice."""

    type: Literal["billing.invoice_issued"] = "billing.invoice_issued"
    version: Literal[1] = 1
    data: InvoiceIssuedData
