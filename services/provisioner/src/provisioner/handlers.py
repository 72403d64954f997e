"""What the provisioner does with the saga's events. Handlers never commit.

Each loads what it needs through the unit of work, asks the domain, and records its answer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import structlog

from provisioner import PRODUCER, access, events
from provisioner.adapters import faults as fault_hooks
from provisioner.adapters.unit_of_work import ProvisionerUnitOfWork
from provisioner.deps import ProvisionerDeps
from provisioner.domain.pipeline import Transition
from provisioner.domain.plan import plan_steps
from provisioner.domain.status import InvalidTransition, PipelineStatus, StopReason
from provisioner.exporting import EXPORT, export_before_removal
from provisioner.undo import undo
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


async def start_pipeline(
    event: TenantProvisioningRequested, uow: ProvisionerUnitOfWork, deps: ProvisionerDeps
) -> None:
    d = event.data
    if (await deps.faults(d.key)).handler_error:
        raise fault_hooks.InjectedOutage("injected fault: the database is unreachable")
    await _serialise(uow, d.pipeline_id)
    stopped = await uow.stops.reason(d.pipeline_id)
    if stopped is not None:
        log.warning(
            "provisioning request of a pipeline stopped before it came; ignored", reason=stopped
        )
        return
    active = await uow.pipelines.other_active(d.tenant_id, d.pipeline_id)
    if active is not None:
        log.warning("another pipeline is active; request ignored", active=str(active))
        return
    steps = plan_steps(d.tier, d.plan, identity_driver=deps.settings.identity_driver_name != "none")
    await uow.pipelines.add(d, steps=steps, requested_by=event.id)
    _wake_after_commit(uow, deps)


async def finish_external_step(
    event: WebhookReceived, uow: ProvisionerUnitOfWork, deps: ProvisionerDeps
) -> None:
    d = event.data
    if d.pipeline_id is None:
        return
    pipeline = await uow.pipelines.locked(d.pipeline_id)
    if pipeline is None or not pipeline.awaits_callback:
        log.info(
            "callback for a pipeline that is not waiting; ignored", pipeline_id=str(d.pipeline_id)
        )
        return
    # No callback is awaited any more. The run stays until it expires: a sender retrying the
    # same delivery must still be verified, and answered "duplicate", not refused as unknown.
    await uow.webhook_runs.finish(pipeline.id)
    answered = pipeline.answer_callback(
        succeeded=d.succeeded,
        details={
            "resources": d.resources,
            "app_url": d.app_plane_url,
            "delivery": str(d.delivery_id),
        },
        app_url=d.app_plane_url,
        now=datetime.now(UTC),
        completion=await deps.completion(pipeline) if d.succeeded else None,
    )
    await _record(uow, deps, answered)


async def callback_due(
    event: WebhookRunRegistered, uow: ProvisionerUnitOfWork, deps: ProvisionerDeps
) -> None:
    """webhook-receiver knows the run: the driver may call back (the local one waits for this)."""
    await deps.driver.run_registered(event.data.pipeline_id, uow)


async def cancel(
    event: TenantCancelRequested, uow: ProvisionerUnitOfWork, deps: ProvisionerDeps
) -> None:
    d = event.data
    await _stop_on_request(uow, deps, d.tenant_id, d.pipeline_id, StopReason.CANCEL)


async def time_out(
    event: TenantProvisioningTimedOut, uow: ProvisionerUnitOfWork, deps: ProvisionerDeps
) -> None:
    d = event.data
    await _stop_on_request(uow, deps, d.tenant_id, d.pipeline_id, StopReason.TIMEOUT)


async def deprovision(
    event: TenantOffboardingRequested, uow: ProvisionerUnitOfWork, deps: ProvisionerDeps
) -> None:
    """Export the tenant's data if asked (nothing is removed unless that worked), then remove
    every resource the ledger lists for the tenant, newest first."""
    d = event.data
    await access.hold(uow, d.tenant_id)
    running = await uow.pipelines.locked_active_of(d.tenant_id)
    resources = [r for r in await deps.ledger.open(tenant_id=d.tenant_id) if r.kind != EXPORT]
    exported = (
        await export_before_removal(d.tenant_id, d.export, resources, deps) if d.export else []
    )
    removed: list[str] = []
    for resource in resources:
        await undo(resource, uow, deps, reason="offboarded")
        removed.append(resource.label)
    for pipeline in running:  # nothing is left for them to do
        await events.record(uow, pipeline.abandon(datetime.now(UTC)))
    await uow.outbox.add(
        TenantDeprovisioned.build(
            TenantDeprovisionedData(
                tenant_id=d.tenant_id,
                resources_removed=removed,
                export_id=d.export.export_id if d.export else None,
                exported_files=exported,
            ),
            producer=PRODUCER,
            correlation_id=event.correlation_id,
            causation=event,
        )
    )


async def reissue_api_key(
    event: ApiKeyReissueRequested, uow: ProvisionerUnitOfWork, deps: ProvisionerDeps
) -> None:
    """Revoke the tenant's live initial admin key and issue another: the ledger keeps one live
    key resource. Serialised per tenant, so two requests never leave two live keys."""
    tenant_id = event.data.tenant_id
    await uow.serialise(f"api-key:{tenant_id}")
    live = await uow.ledger.live(tenant_id, "api_key")
    if not live:
        log.warning("no live API key to re-issue (not provisioned, or offboarded); ignored")
        return
    pipeline = await uow.pipelines.get(live[0].pipeline_id)
    assert pipeline is not None, "a key belongs to a pipeline"
    for resource in live:
        await undo(resource, uow, deps)
    key_id, _ = await uow.api_keys.issue(
        deps.settings.handover_keyring(),
        tenant_id=tenant_id,
        pipeline_id=pipeline.id,
        handover_for=timedelta(seconds=deps.settings.initial_key_ttl),
    )
    log.info("initial API key re-issued", api_key_id=str(key_id), revoked=len(live))


async def _stop_on_request(
    uow: ProvisionerUnitOfWork,
    deps: ProvisionerDeps,
    tenant_id: UUID,
    pipeline_id: UUID,
    reason: StopReason,
) -> None:
    await _serialise(uow, pipeline_id)
    pipeline = await uow.pipelines.locked(pipeline_id)
    if pipeline is None and reason is StopReason.CANCEL:
        # The request has not come (it may be parked as a dead letter): the cancel holds, and
        # the request is ignored when it comes. Nothing ran, so the outcome can be told now.
        # A time-out is not recorded: replaying the parked request still completes the saga.
        if await uow.stops.record(pipeline_id, tenant_id, reason):
            log.warning("stop of a pipeline whose request has not come", reason=reason.value)
            await uow.outbox.add(events.cancelled(tenant_id, pipeline_id))
        return
    try:
        if pipeline is None:
            raise InvalidTransition("no such pipeline")
        stopped = pipeline.stop_on_request(reason, datetime.now(UTC))
    except InvalidTransition:
        log.info("stop request for a pipeline that is not running; ignored", reason=reason.value)
        return
    await _record(uow, deps, stopped)


async def _serialise(uow: ProvisionerUnitOfWork, pipeline_id: UUID) -> None:
    """A pipeline's request and a stop of it are handled one after the other, never interleaved
    (the request has no row to lock yet): a transaction-scoped advisory lock on its id."""
    await uow.serialise(str(pipeline_id))


async def _record(uow: ProvisionerUnitOfWork, deps: ProvisionerDeps, done: Transition) -> None:
    await events.record(uow, done)
    if done.after.status is PipelineStatus.SUCCEEDED:
        log.info("pipeline succeeded")
    _wake_after_commit(uow, deps)


def _wake_after_commit(uow: ProvisionerUnitOfWork, deps: ProvisionerDeps) -> None:
    # Not before: a loop woken while this transaction still holds the row would skip it
    # (SKIP LOCKED) and sleep a poll interval before looking again.
    uow.after_commit(deps.wake.set)
