"""A pipeline's end (`provisioning.completed|failed|cancelled`) moves the tenant on.

Only the tenant's current pipeline, and only while the tenant is PROVISIONING: a late or
repeated outcome changes nothing.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import structlog
from sqlalchemy import Row

from service_kit.db import UnitOfWork
from shared_schemas import Envelope
from shared_schemas.events import (
    PipelineRef,
    ProvisioningCancelled,
    ProvisioningCompleted,
    ProvisioningFailed,
    TenantActivated,
    TenantActivatedData,
    TenantCancelled,
    TenantProvisioningFailed,
    TenantProvisioningFailedData,
)
from tenant_api import PRODUCER
from tenant_api.domain.pipeline import ACTIVE_PIPELINE, PipelineStatus
from tenant_api.domain.status import TenantStatus, transition
from tenant_api.pipeline import repository as pipelines
from tenant_api.pipeline.metrics import observe_saga
from tenant_api.tenants import repository as tenants

log = structlog.get_logger(__name__)


async def complete(event: ProvisioningCompleted, uow: UnitOfWork) -> None:
    """PROVISIONING → ACTIVE, and `tenant.activated` for the welcome e-mail."""
    tenant = await _finish(
        event,
        uow,
        TenantStatus.ACTIVE,
        PipelineStatus.SUCCEEDED,
        tenant_values={"app_url": event.data.app_url},  # /config's endpoints.appUrl
    )
    if tenant is None:
        return
    data = TenantActivatedData(
        tenant_id=tenant.id,
        key=tenant.key,
        name=tenant.name,
        app_url=event.data.app_url,
        contact=await tenants.primary_contact(uow.session, tenant.id),
    )
    await uow.outbox.add(TenantActivated.build(data, **_caused_by(event)))


async def fail(event: ProvisioningFailed, uow: UnitOfWork) -> None:
    """PROVISIONING → PROVISION_FAILED (a retry may follow), and `tenant.provisioning_failed`."""
    d = event.data
    tenant = await _finish(
        event,
        uow,
        TenantStatus.PROVISION_FAILED,
        PipelineStatus.FAILED,
        failure_step=d.step,
        failure_reason=d.reason,
    )
    if tenant is None:
        return
    data = TenantProvisioningFailedData(
        tenant_id=tenant.id,
        pipeline_id=d.pipeline_id,
        step=d.step,
        reason=d.reason,
        contact=await tenants.primary_contact(uow.session, tenant.id),
    )
    await uow.outbox.add(TenantProvisioningFailed.build(data, **_caused_by(event)))


async def confirm_cancel(event: ProvisioningCancelled, uow: UnitOfWork) -> None:
    """PROVISIONING → CANCELLED once the provisioner has compensated, and `tenant.cancelled`."""
    d = event.data
    tenant = await _finish(event, uow, TenantStatus.CANCELLED, PipelineStatus.CANCELLED)
    if tenant is None:
        return
    ref = PipelineRef(tenant_id=d.tenant_id, pipeline_id=d.pipeline_id)
    await uow.outbox.add(TenantCancelled.build(ref, **_caused_by(event)))


async def _finish(
    event: ProvisioningCompleted | ProvisioningFailed | ProvisioningCancelled,
    uow: UnitOfWork,
    tenant_status: TenantStatus,
    pipeline_status: PipelineStatus,
    *,
    tenant_values: dict[str, Any] | None = None,
    **pipeline_values: Any,
) -> Row[Any] | None:
    """The locked tenant, moved on with its pipeline; None if the outcome no longer applies."""
    tenant_id, pipeline_id = event.data.tenant_id, event.data.pipeline_id
    tenant = await tenants.lock(uow.session, tenant_id)
    pipeline = await pipelines.current(uow.session, tenant_id, lock=True)
    if not _applies(tenant, pipeline, pipeline_id):
        log.info("outcome of a pipeline that is not running now; ignored", outcome=event.type)
        return None
    assert tenant is not None
    status = transition(
        TenantStatus(tenant.status), tenant_status, only_from=TenantStatus.PROVISIONING
    )
    await pipelines.set_values(
        uow.session,
        pipeline_id,
        status=pipeline_status,
        finished_at=event.occurred_at,
        **pipeline_values,
    )
    await tenants.set_status(uow.session, tenant_id, status, **(tenant_values or {}))
    assert pipeline is not None
    outcome = _outcome(pipeline_status, PipelineStatus(pipeline.status))
    tier, started_at = tenant.tier, pipeline.started_at
    # Observed once the state change commits: a duplicate or late outcome never gets here.
    uow.after_commit(lambda: observe_saga(tier, outcome, started_at, event.occurred_at))
    return tenant


def _outcome(ended: PipelineStatus, before: PipelineStatus) -> str:
    """The saga_duration_seconds outcome: a failure the sweeper asked for is a timeout."""
    if ended == PipelineStatus.FAILED and before == PipelineStatus.TIMING_OUT:
        return "timeout"
    return {
        PipelineStatus.SUCCEEDED: "succeeded",
        PipelineStatus.FAILED: "failed",
        PipelineStatus.CANCELLED: "cancelled",
    }[ended]


def _applies(tenant: Row[Any] | None, pipeline: Row[Any] | None, pipeline_id: UUID) -> bool:
    return (
        tenant is not None
        and tenant.status == TenantStatus.PROVISIONING
        and pipeline is not None
        and pipeline.id == pipeline_id
        and pipeline.status in ACTIVE_PIPELINE
    )


def _caused_by(event: Envelope) -> dict[str, Any]:
    return {"producer": PRODUCER, "correlation_id": event.correlation_id, "causation": event}
