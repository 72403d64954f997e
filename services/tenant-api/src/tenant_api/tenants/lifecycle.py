"""Commands on a tenant's life cycle: provision, cancel, suspend, reactivate, offboard.

Each locks the tenant row, lets the state machine decide (InvalidTransition → 409, nothing
changed), and writes the new state with its event in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Row

from service_kit import tracing
from service_kit.db import UnitOfWork
from service_kit.problems import NotFound
from shared_schemas.events import (
    PipelineRef,
    TenantCancelRequested,
    TenantOffboardingRequested,
    TenantProvisioningRequested,
    TenantProvisioningRequestedData,
    TenantReactivated,
    TenantRef,
    TenantSuspended,
    Tier,
)
from tenant_api import PRODUCER
from tenant_api.domain.pipeline import PipelineStatus
from tenant_api.domain.status import TenantStatus, transition
from tenant_api.pipeline import repository as pipelines
from tenant_api.plans import repository as plans
from tenant_api.tenants import repository as tenants


@dataclass(frozen=True)
class Provision:
    tenant_id: UUID
    requested_by: str
    lead_id: UUID | None = None  # set for a lead's onboarding token: only that lead's tenant


async def provision(cmd: Provision, uow: UnitOfWork, now: datetime) -> UUID:
    """Start a new pipeline (run 1, or the next run for a retry); the tenant is PROVISIONING."""
    tenant = await _locked(uow, cmd.tenant_id)
    if cmd.lead_id is not None and tenant.lead_id != cmd.lead_id:
        raise NotFound("No such tenant.")
    status = transition(TenantStatus(tenant.status), TenantStatus.PROVISIONING)
    plan = await plans.get(uow.session, tenant.plan_id)
    assert plan is not None, "tenants.plan_id references plans"
    pipeline_id = uuid4()
    run = await pipelines.next_run(uow.session, tenant.id)
    await pipelines.add(
        uow.session,
        id=pipeline_id,
        tenant_id=tenant.id,
        run=run,
        status=PipelineStatus.RUNNING,
        requested_by=cmd.requested_by,
        started_at=now,
        last_progress_at=now,
        # The sweeper may time it out much later: it continues this request's trace.
        trace_context=tracing.carrier() or None,
    )
    await tenants.set_status(uow.session, tenant.id, status)
    data = TenantProvisioningRequestedData(
        tenant_id=tenant.id,
        pipeline_id=pipeline_id,
        key=tenant.key,
        name=tenant.name,
        tier=Tier(tenant.tier),
        plan=plans.facts(plan),
        contact=await tenants.primary_contact(uow.session, tenant.id),
        requested_by=cmd.requested_by,
        run=run,
    )
    await uow.outbox.add(
        TenantProvisioningRequested.build(
            data,
            producer=PRODUCER,
            correlation_id=pipeline_id,
            tenant_id=tenant.id,
            occurred_at=now,
        )
    )
    return pipeline_id


async def cancel(tenant_id: UUID, uow: UnitOfWork, now: datetime) -> UUID:
    """Ask the provisioner to stop; the tenant stays PROVISIONING until it answers."""
    tenant = await _locked(uow, tenant_id)
    transition(
        TenantStatus(tenant.status), TenantStatus.CANCELLED, only_from=TenantStatus.PROVISIONING
    )
    pipeline = await pipelines.current(uow.session, tenant_id, lock=True)
    assert pipeline is not None, "a PROVISIONING tenant has a pipeline"
    if pipeline.cancel_requested_at is None:  # asking twice publishes once
        await pipelines.set_values(uow.session, pipeline.id, cancel_requested_at=now)
        await uow.outbox.add(
            TenantCancelRequested.build(
                PipelineRef(tenant_id=tenant_id, pipeline_id=pipeline.id),
                producer=PRODUCER,
                correlation_id=pipeline.id,
                tenant_id=tenant_id,
                occurred_at=now,
            )
        )
    pipeline_id: UUID = pipeline.id
    return pipeline_id


async def suspend(tenant_id: UUID, uow: UnitOfWork, now: datetime, reason: str | None) -> None:
    """ACTIVE → SUSPENDED."""
    await _move(uow, tenant_id, now, TenantStatus.SUSPENDED, TenantSuspended, reason)


async def reactivate(tenant_id: UUID, uow: UnitOfWork, now: datetime) -> None:
    """SUSPENDED → ACTIVE."""
    await _move(uow, tenant_id, now, TenantStatus.ACTIVE, TenantReactivated, None)


async def offboard(tenant_id: UUID, uow: UnitOfWork, now: datetime, reason: str | None) -> None:
    """→ DEPROVISIONING; `tenant.deprovisioned` later makes it OFFBOARDED (the record stays)."""
    await _move(
        uow, tenant_id, now, TenantStatus.DEPROVISIONING, TenantOffboardingRequested, reason
    )


_RefEvent = type[TenantSuspended] | type[TenantReactivated] | type[TenantOffboardingRequested]


async def _move(
    uow: UnitOfWork,
    tenant_id: UUID,
    now: datetime,
    target: TenantStatus,
    event: _RefEvent,
    reason: str | None,
) -> None:
    tenant = await _locked(uow, tenant_id)
    current = TenantStatus(tenant.status)
    # ACTIVE is also where provisioning ends; reactivating reaches it only from SUSPENDED.
    only_from = TenantStatus.SUSPENDED if event is TenantReactivated else None
    status = transition(current, target, only_from=only_from)
    await tenants.set_status(uow.session, tenant_id, status)
    await uow.outbox.add(
        event.build(
            TenantRef(tenant_id=tenant_id, reason=reason),
            producer=PRODUCER,
            correlation_id=tenant_id,
            tenant_id=tenant_id,
            occurred_at=now,
        )
    )


async def _locked(uow: UnitOfWork, tenant_id: UUID) -> Row[Any]:
    tenant = await tenants.lock(uow.session, tenant_id)
    if tenant is None:
        raise NotFound("No such tenant.")
    return tenant
