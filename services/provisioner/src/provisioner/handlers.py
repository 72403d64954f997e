"""What the provisioner does with the saga's events. Handlers never commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert

from provisioner import events
from provisioner.adapters import faults as fault_hooks
from provisioner.adapters import initial_keys, webhook_runs
from provisioner.adapters.orm import pipelines, resources, status_in, stops_before_start
from provisioner.deps import Deps
from provisioner.domain.pipeline import ACTIVE, PipelineStatus, ResourceStatus, StopReason
from provisioner.domain.plan import plan_steps
from provisioner.engine import move_on, stop
from provisioner.steps import undo
from service_kit import tracing
from service_kit.db import UnitOfWork
from shared_schemas.events import (
    ApiKeyReissueRequested,
    TenantCancelRequested,
    TenantDeprovisioned,
    TenantDeprovisionedData,
    TenantOffboardingRequested,
    TenantProvisioningRequested,
    TenantProvisioningTimedOut,
    WebhookReceived,
    WebhookRunRegistered,
)

log = structlog.get_logger(__name__)
S = PipelineStatus


# Built once; a second request for the same pipeline id changes nothing.
_ADD = insert(pipelines).on_conflict_do_nothing()
_STOPPED_BEFORE_START = select(stops_before_start.c.reason).where(
    stops_before_start.c.pipeline_id == bindparam("pipeline_id")
)
_OTHER_ACTIVE = select(pipelines.c.id).where(
    pipelines.c.tenant_id == bindparam("tenant_id"),
    status_in(*ACTIVE),
    pipelines.c.id != bindparam("pipeline_id"),
)
_SERIALISE = select(func.pg_advisory_xact_lock(func.hashtextextended(bindparam("key"), 0)))


async def start_pipeline(event: TenantProvisioningRequested, uow: UnitOfWork, deps: Deps) -> None:
    d = event.data
    faults = await fault_hooks.load_faults(
        deps.redis,
        deps.settings.redis_key_prefix,
        d.key,
        deps.settings.provisioner_faults_enabled,
    )
    if faults.handler_error:
        raise fault_hooks.InjectedOutage("injected fault: the database is unreachable")
    await _serialise(uow, d.pipeline_id)
    stopped = await uow.session.scalar(_STOPPED_BEFORE_START, {"pipeline_id": d.pipeline_id})
    if stopped is not None:
        log.warning(
            "provisioning request of a pipeline stopped before it came; ignored", reason=stopped
        )
        return
    active = await uow.session.scalar(
        _OTHER_ACTIVE, {"tenant_id": d.tenant_id, "pipeline_id": d.pipeline_id}
    )
    if active is not None:
        log.warning("another pipeline is active; request ignored", active=str(active))
        return
    await uow.session.execute(
        _ADD,
        {
            "id": d.pipeline_id,
            "tenant_id": d.tenant_id,
            "tenant_key": d.key,
            "tenant_name": d.name,
            "tier": d.tier,
            "plan": d.plan.model_dump(mode="json"),
            "contact": d.contact.model_dump(mode="json"),
            "run": d.run,
            "status": S.RUNNING,
            "steps": plan_steps(d.tier, d.plan),
            "correlation_event_id": event.id,
            # The engine runs the steps later, from a poll: it continues this trace from here.
            "trace_context": tracing.carrier() or None,
        },
    )
    _wake_after_commit(uow, deps)


def _wake_after_commit(uow: UnitOfWork, deps: Deps) -> None:
    # Not before: a loop woken while this transaction still holds the row would skip it
    # (SKIP LOCKED) and sleep a poll interval before looking again.
    uow.after_commit(deps.wake.set)


async def _locked(uow: UnitOfWork, pipeline_id: UUID) -> Row[Any] | None:
    return (
        await uow.session.execute(
            select(pipelines).where(pipelines.c.id == pipeline_id).with_for_update()
        )
    ).first()


async def finish_external_step(event: WebhookReceived, uow: UnitOfWork, deps: Deps) -> None:
    d = event.data
    if d.pipeline_id is None:
        return
    row = await _locked(uow, d.pipeline_id)
    if row is None or row.status != S.WAITING or row.steps[row.current] != "infrastructure":
        log.info(
            "callback for a pipeline that is not waiting; ignored", pipeline_id=str(d.pipeline_id)
        )
        return
    # No callback is awaited any more. The run stays until it expires: a sender retrying the
    # same delivery must still be verified, and answered "duplicate", not refused as unknown.
    await webhook_runs.finish(uow, row.id)
    if d.succeeded:
        details = {
            "resources": d.resources,
            "app_url": d.app_plane_url,
            "delivery": str(d.delivery_id),
        }
        await events.step_succeeded(uow, row, "infrastructure", row.attempt, details)
        await move_on(row, uow, deps, app_url=d.app_plane_url)
        _wake_after_commit(uow, deps)
        return
    reason = "the external pipeline reported failure"
    await events.step_failed(uow, row, "infrastructure", row.attempt, reason, False)
    await stop(uow, row, StopReason.FAILED, failure_step="infrastructure", failure_reason=reason)
    _wake_after_commit(uow, deps)


async def callback_due(event: WebhookRunRegistered, uow: UnitOfWork, deps: Deps) -> None:
    """webhook-receiver knows the run: the driver may call back (the local one waits for this)."""
    await deps.driver.run_registered(event.data.pipeline_id, uow)


async def _serialise(uow: UnitOfWork, pipeline_id: UUID) -> None:
    """A pipeline's request and a stop of it are handled one after the other, never interleaved
    (the request has no row to lock yet): a transaction-scoped advisory lock on its id."""
    await uow.session.execute(_SERIALISE, {"key": str(pipeline_id)})


async def _stop_on_request(
    uow: UnitOfWork, deps: Deps, tenant_id: UUID, pipeline_id: UUID, reason: StopReason
) -> None:
    await _serialise(uow, pipeline_id)
    row = await _locked(uow, pipeline_id)
    if row is None and reason is StopReason.CANCEL:
        # The request has not come (it may be parked as a dead letter): the cancel holds, and
        # the request is ignored when it comes. Nothing ran, so the outcome can be told now.
        # A time-out is not recorded: replaying the parked request still completes the saga.
        inserted = await uow.session.execute(
            insert(stops_before_start)
            .values(pipeline_id=pipeline_id, tenant_id=tenant_id, reason=reason.value)
            .on_conflict_do_nothing()
            .returning(stops_before_start.c.pipeline_id)
        )
        if inserted.first() is not None:
            log.warning("stop of a pipeline whose request has not come", reason=reason.value)
            await events.cancelled_before_start(uow, tenant_id, pipeline_id)
        return
    if row is None or row.status not in (S.RUNNING, S.WAITING):
        log.info("stop request for a pipeline that is not running; ignored", reason=reason.value)
        return
    if row.status == S.WAITING:
        error = "cancelled" if reason is StopReason.CANCEL else "timed out"
        await events.step_failed(uow, row, row.steps[row.current], row.attempt, error, False)
    await stop(uow, row, reason, failure_step=row.steps[row.current])
    _wake_after_commit(uow, deps)


async def cancel(event: TenantCancelRequested, uow: UnitOfWork, deps: Deps) -> None:
    d = event.data
    await _stop_on_request(uow, deps, d.tenant_id, d.pipeline_id, StopReason.CANCEL)


async def time_out(event: TenantProvisioningTimedOut, uow: UnitOfWork, deps: Deps) -> None:
    d = event.data
    await _stop_on_request(uow, deps, d.tenant_id, d.pipeline_id, StopReason.TIMEOUT)


async def deprovision(event: TenantOffboardingRequested, uow: UnitOfWork, deps: Deps) -> None:
    """Remove every resource the ledger lists for the tenant, newest first."""
    tenant_id = event.data.tenant_id
    running = (
        await uow.session.execute(
            select(pipelines)
            .where(pipelines.c.tenant_id == tenant_id, status_in(*ACTIVE))
            .with_for_update()
        )
    ).all()
    removed: list[str] = []
    for resource in await deps.ledger.open(tenant_id=tenant_id):
        await undo(resource, uow, deps)
        removed.append(f"{resource.kind}:{resource.name}")
    for row in running:  # nothing is left for them to do
        await uow.session.execute(
            pipelines.update()
            .where(pipelines.c.id == row.id)
            .values(status=S.CANCELLED, finished_at=datetime.now(UTC))
        )
    await uow.outbox.add(
        TenantDeprovisioned.build(
            TenantDeprovisionedData(tenant_id=tenant_id, resources_removed=removed),
            producer=events.PRODUCER,
            correlation_id=event.correlation_id,
            causation=event,
        )
    )


async def reissue_api_key(event: ApiKeyReissueRequested, uow: UnitOfWork, deps: Deps) -> None:
    """Revoke the tenant's live initial admin key and issue another: the ledger keeps one live
    key resource. Serialised per tenant, so two requests never leave two live keys."""
    tenant_id = event.data.tenant_id
    await uow.session.execute(_SERIALISE, {"key": f"api-key:{tenant_id}"})
    live = (
        await uow.session.execute(
            select(resources)
            .where(
                resources.c.tenant_id == tenant_id,
                resources.c.kind == "api_key",
                resources.c.status != ResourceStatus.DELETED,
            )
            .order_by(resources.c.created_at.desc())
        )
    ).all()
    if not live:
        log.warning("no live API key to re-issue (not provisioned, or offboarded); ignored")
        return
    pipeline = (
        await uow.session.execute(select(pipelines).where(pipelines.c.id == live[0].pipeline_id))
    ).first()
    assert pipeline is not None, "a key belongs to a pipeline"
    for resource in live:
        await undo(resource, uow, deps)
    key_id, _ = await initial_keys.issue(
        uow,
        deps.settings.handover_keyring(),
        tenant_id=tenant_id,
        tenant_key=pipeline.tenant_key,
        pipeline_id=pipeline.id,
        handover_for=timedelta(seconds=deps.settings.initial_key_ttl),
    )
    log.info("initial API key re-issued", api_key_id=str(key_id), revoked=len(live))
