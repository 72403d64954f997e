"""Commands on a tenant's life cycle: provision, cancel, suspend, reactivate, offboard, restore.

Each locks the tenant, lets the tenant decide (InvalidTransition: nothing changed), and writes
the new state with its event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from service_kit import tracing
from service_kit.exports import ExportStore
from shared_schemas import Actor, Envelope
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.errors import TenantNotFound
from tenant_api.domain.pipeline import PipelineStatus
from tenant_api.domain.pipeline_run import PipelineRun
from tenant_api.domain.status import TenantStatus
from tenant_api.domain.tenant import Tenant
from tenant_api.tenants.offboarding import start_removal


@dataclass(frozen=True)
class Provision:
    tenant_id: UUID
    actor: Actor
    lead_id: UUID | None = None  # set for a lead's onboarding token: only that lead's tenant


async def provision(cmd: Provision, uow: TenantApiUnitOfWork, now: datetime) -> UUID:
    """Start a new pipeline (run 1, or the next run for a retry); the tenant is PROVISIONING."""
    tenant = await _locked(uow, cmd.tenant_id)
    if cmd.lead_id is not None and tenant.lead_id != cmd.lead_id:
        raise TenantNotFound(cmd.tenant_id)
    plan = await uow.plans.get(tenant.plan_id)
    assert plan is not None, "tenants.plan_id references plans"
    pipeline = PipelineRun(
        id=uuid4(),
        tenant_id=tenant.id,
        run=await uow.pipelines.next_run(tenant.id),
        status=PipelineStatus.RUNNING,
        requested_by=cmd.actor.sub,
        started_at=now,
        last_progress_at=now,
        finished_at=None,
        cancel_requested_at=None,
        failure_step=None,
        failure_reason=None,
        # The sweeper may time it out much later: it continues this request's trace.
        trace_context=tracing.carrier() or None,
    )
    provisioning, event = tenant.provision(
        pipeline_id=pipeline.id,
        run=pipeline.run,
        plan=plan.facts(),
        contact=await uow.tenants.primary_contact(tenant.id),
        requested_by=cmd.actor.sub,
        now=now,
        actor=cmd.actor,
    )
    await uow.pipelines.add(pipeline)
    await uow.tenants.set_status(tenant.id, provisioning.status)
    await uow.outbox.add(event)
    return pipeline.id


async def cancel(tenant_id: UUID, actor: Actor, uow: TenantApiUnitOfWork, now: datetime) -> UUID:
    """Ask the provisioner to stop; the tenant stays PROVISIONING until it answers."""
    tenant = await _locked(uow, tenant_id)
    tenant.check_cancellable()
    pipeline = await uow.pipelines.current(tenant_id, lock=True)
    assert pipeline is not None, "a PROVISIONING tenant has a pipeline"
    event = pipeline.request_cancel(now, actor)
    if event is not None:  # asking twice publishes once
        await uow.pipelines.set_values(pipeline.id, cancel_requested_at=now)
        await uow.outbox.add(event)
    return pipeline.id


async def suspend(
    tenant_id: UUID, actor: Actor, uow: TenantApiUnitOfWork, now: datetime, reason: str | None
) -> None:
    """ACTIVE → SUSPENDED."""
    await _move(uow, tenant_id, lambda tenant: tenant.suspend(now, reason, actor))


async def reactivate(
    tenant_id: UUID, actor: Actor, uow: TenantApiUnitOfWork, now: datetime
) -> None:
    """SUSPENDED → ACTIVE."""
    await _move(uow, tenant_id, lambda tenant: tenant.reactivate(now, actor))


@dataclass(frozen=True)
class Offboard:
    tenant_id: UUID
    actor: Actor
    reason: str | None
    grace: timedelta
    at_once: bool = False  # an admin's `?now=true`: no grace


async def offboard(
    cmd: Offboard, uow: TenantApiUnitOfWork, now: datetime, store: ExportStore
) -> TenantStatus:
    """A provisioned tenant gets a grace (OFFBOARDING_SCHEDULED, read-only) unless `at_once`;
    otherwise, or with nothing provisioned, export (if it holds data) and remove at once."""
    tenant = await _locked(uow, cmd.tenant_id)
    if tenant.holds_data and not cmd.at_once:
        scheduled, event = tenant.schedule_offboarding(now, cmd.grace, cmd.reason, cmd.actor)
        await uow.tenants.set_status(
            scheduled.id,
            scheduled.status,
            offboarding_due_at=scheduled.offboarding_due_at,
            offboarding_from=scheduled.offboarding_from,
        )
        await uow.outbox.add(event)
        return scheduled.status
    moved = await start_removal(uow, store, tenant, now=now, reason=cmd.reason, actor=cmd.actor)
    return moved.status


async def restore(
    tenant_id: UUID, actor: Actor, uow: TenantApiUnitOfWork, now: datetime
) -> TenantStatus:
    """OFFBOARDING_SCHEDULED → the status it came from, during the grace only."""
    tenant = await _locked(uow, tenant_id)
    restored, event = tenant.restore(now, actor)
    await uow.tenants.set_status(
        restored.id, restored.status, offboarding_due_at=None, offboarding_from=None
    )
    await uow.outbox.add(event)
    return restored.status


async def _move(
    uow: TenantApiUnitOfWork,
    tenant_id: UUID,
    decide: Callable[[Tenant], tuple[Tenant, Envelope]],
) -> None:
    """Lock the tenant, let it decide, save its new status and publish what it said."""
    moved, event = decide(await _locked(uow, tenant_id))
    await uow.tenants.set_status(moved.id, moved.status)
    await uow.outbox.add(event)


async def _locked(uow: TenantApiUnitOfWork, tenant_id: UUID) -> Tenant:
    tenant = await uow.tenants.lock(tenant_id)
    if tenant is None:
        raise TenantNotFound(tenant_id)
    return tenant
