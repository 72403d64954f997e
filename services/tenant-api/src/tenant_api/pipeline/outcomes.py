"""A pipeline's end (`provisioning.completed|failed|cancelled`) moves the tenant on.

Only the tenant's current pipeline, and only while the tenant is PROVISIONING: a late or
repeated outcome changes nothing.
"""

from __future__ import annotations

from typing import Any

import structlog

from shared_schemas import Envelope
from shared_schemas.events import ProvisioningCancelled, ProvisioningCompleted, ProvisioningFailed
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.pipeline import PipelineStatus
from tenant_api.domain.pipeline_run import PipelineRun, outcome_applies
from tenant_api.domain.tenant import Tenant
from tenant_api.pipeline.metrics import observe_saga

log = structlog.get_logger(__name__)

Outcome = ProvisioningCompleted | ProvisioningFailed | ProvisioningCancelled


async def complete(event: ProvisioningCompleted, uow: TenantApiUnitOfWork) -> None:
    """PROVISIONING → ACTIVE, and `tenant.activated` for the welcome e-mail."""
    found = await _current(event, uow)
    if found is None:
        return
    tenant, pipeline = found
    active, activated = tenant.activate(await uow.tenants.primary_contact(tenant.id), event)
    await _end(
        uow,
        event,
        pipeline,
        PipelineStatus.SUCCEEDED,
        tenant,
        active,
        activated,
        tenant_values={"app_url": active.app_url},  # /config's endpoints.appUrl
    )


async def fail(event: ProvisioningFailed, uow: TenantApiUnitOfWork) -> None:
    """PROVISIONING → PROVISION_FAILED (a retry may follow), and `tenant.provisioning_failed`."""
    found = await _current(event, uow)
    if found is None:
        return
    tenant, pipeline = found
    contact = await uow.tenants.primary_contact(tenant.id)
    failed, failed_event = tenant.fail_provisioning(contact, event)
    await _end(
        uow,
        event,
        pipeline,
        PipelineStatus.FAILED,
        tenant,
        failed,
        failed_event,
        pipeline_values={"failure_step": event.data.step, "failure_reason": event.data.reason},
    )


async def confirm_cancel(event: ProvisioningCancelled, uow: TenantApiUnitOfWork) -> None:
    """PROVISIONING → CANCELLED once the provisioner has compensated, and `tenant.cancelled`."""
    found = await _current(event, uow)
    if found is None:
        return
    tenant, pipeline = found
    cancelled, cancelled_event = tenant.confirm_cancel(event)
    await _end(uow, event, pipeline, PipelineStatus.CANCELLED, tenant, cancelled, cancelled_event)


async def _current(event: Outcome, uow: TenantApiUnitOfWork) -> tuple[Tenant, PipelineRun] | None:
    """The locked tenant and its locked current pipeline; None if the outcome no longer applies."""
    tenant = await uow.tenants.lock(event.data.tenant_id)
    pipeline = await uow.pipelines.current(event.data.tenant_id, lock=True)
    if not outcome_applies(tenant, pipeline, event.data.pipeline_id):
        log.info("outcome of a pipeline that is not running now; ignored", outcome=event.type)
        return None
    assert tenant is not None
    assert pipeline is not None
    return tenant, pipeline


async def _end(
    uow: TenantApiUnitOfWork,
    event: Outcome,
    pipeline: PipelineRun,
    ended: PipelineStatus,
    before: Tenant,
    after: Tenant,
    published: Envelope,
    *,
    pipeline_values: dict[str, Any] | None = None,
    tenant_values: dict[str, Any] | None = None,
) -> None:
    """Write the pipeline's end and the tenant's new status, and publish what the tenant said."""
    await uow.pipelines.set_values(
        pipeline.id, status=ended, finished_at=event.occurred_at, **(pipeline_values or {})
    )
    await uow.tenants.set_status(after.id, after.status, **(tenant_values or {}))
    outcome = pipeline.saga_outcome(ended)
    tier, started_at = before.tier, pipeline.started_at
    # Observed once the state change commits: a duplicate or late outcome never gets here.
    uow.after_commit(
        lambda: observe_saga(tier, outcome, ended.value, started_at, event.occurred_at)
    )
    await uow.outbox.add(published)
