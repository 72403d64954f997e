"""One provisioning run of a tenant (a pipeline), as the saga's commands and outcomes see it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from shared_schemas import Actor
from shared_schemas.events import (
    PipelineRef,
    TenantCancelRequested,
    TenantProvisioningTimedOut,
    TenantProvisioningTimedOutData,
)
from tenant_api import PRODUCER
from tenant_api.domain.pipeline import ACTIVE_PIPELINE, PipelineStatus
from tenant_api.domain.status import TenantStatus
from tenant_api.domain.tenant import Tenant

_OUTCOMES = {
    PipelineStatus.SUCCEEDED: "succeeded",
    PipelineStatus.FAILED: "failed",
    PipelineStatus.CANCELLED: "cancelled",
}


@dataclass(frozen=True)
class PipelineRun:
    id: UUID
    tenant_id: UUID
    run: int
    status: PipelineStatus
    requested_by: str
    started_at: datetime
    last_progress_at: datetime
    finished_at: datetime | None
    cancel_requested_at: datetime | None
    failure_step: str | None
    failure_reason: str | None
    trace_context: Mapping[str, Any] | None  # the request that started it (W3C trace context)

    def request_cancel(self, now: datetime, actor: Actor | None) -> TenantCancelRequested | None:
        """The cancel request to publish; None if it was asked for already (once is enough)."""
        if self.cancel_requested_at is not None:
            return None
        return TenantCancelRequested.build(
            PipelineRef(tenant_id=self.tenant_id, pipeline_id=self.id),
            producer=PRODUCER,
            correlation_id=self.id,
            tenant_id=self.tenant_id,
            occurred_at=now,
            actor=actor,
        )

    def time_out(self, now: datetime) -> TenantProvisioningTimedOut:
        """No progress for too long: the provisioner is asked to give up (TIMING_OUT)."""
        data = TenantProvisioningTimedOutData(
            tenant_id=self.tenant_id, pipeline_id=self.id, last_progress_at=self.last_progress_at
        )
        return TenantProvisioningTimedOut.build(
            data,
            producer=PRODUCER,
            correlation_id=self.id,
            tenant_id=self.tenant_id,
            occurred_at=now,
        )

    def saga_outcome(self, ended: PipelineStatus) -> str:
        """The saga_duration_seconds outcome: a failure the sweeper asked for is a timeout."""
        if ended == PipelineStatus.FAILED and self.status == PipelineStatus.TIMING_OUT:
            return "timeout"
        return _OUTCOMES[ended]


def outcome_applies(tenant: Tenant | None, pipeline: PipelineRun | None, pipeline_id: UUID) -> bool:
    """An outcome moves the tenant on only for its current, running pipeline while it is
    PROVISIONING: a late or repeated outcome changes nothing."""
    return (
        tenant is not None
        and tenant.status == TenantStatus.PROVISIONING
        and pipeline is not None
        and pipeline.id == pipeline_id
        and pipeline.status in ACTIVE_PIPELINE
    )
