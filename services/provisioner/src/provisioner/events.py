"""The provisioner's events: what a pipeline's transition caused, as contracts in the outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from provisioner import PRODUCER
from provisioner.adapters.unit_of_work import ProvisionerUnitOfWork
from provisioner.domain import events as ev
from provisioner.domain.pipeline import Pipeline, Transition
from shared_schemas import Envelope
from shared_schemas import events as contracts


async def record(uow: ProvisionerUnitOfWork, transition: Transition) -> None:
    """Publish what the transition caused (through the outbox) and save the pipeline."""
    for event in transition.events:
        await uow.outbox.add(contract(transition.before, event))
    if transition.changes():  # starting an attempt, say, changes nothing yet
        await uow.pipelines.save(transition)


def contract(pipeline: Pipeline, event: ev.PipelineEvent) -> Envelope:
    ids, p = _ids(pipeline.tenant_id, pipeline.id), pipeline
    match event:
        case ev.StepStarted(step, attempt):
            return contracts.StepStarted.build(contracts.StepData(**_step(p, step, attempt)), **ids)
        case ev.StepSucceeded(step, attempt, details):
            data = contracts.StepSucceededData(**_step(p, step, attempt), details=details)
            return contracts.StepSucceeded.build(data, **ids)
        case ev.StepAttemptFailed(step, attempt, error, will_retry):
            failed = contracts.StepFailedData(
                **_step(p, step, attempt), error=error[:1000], will_retry=will_retry
            )
            return contracts.StepFailed.build(failed, **ids)
        case ev.StepCompensated(step):
            return contracts.StepCompensated.build(contracts.StepData(**_step(p, step, 1)), **ids)
        case ev.Completed(app_url, resources):
            completed = contracts.ProvisioningCompletedData(
                tenant_id=p.tenant_id, pipeline_id=p.id, app_url=app_url, resources=list(resources)
            )
            return contracts.ProvisioningCompleted.build(completed, **ids)
        case ev.Failed(step, reason):
            stopped = contracts.ProvisioningFailedData(
                tenant_id=p.tenant_id, pipeline_id=p.id, step=step, reason=reason[:1000]
            )
            return contracts.ProvisioningFailed.build(stopped, **ids)
        case ev.Cancelled():
            return cancelled(p.tenant_id, p.id)


def cancelled(tenant_id: UUID, pipeline_id: UUID) -> contracts.ProvisioningCancelled:
    """Also for a pipeline cancelled before its request came: nothing ran, nothing to undo."""
    data = contracts.ProvisioningCancelledData(tenant_id=tenant_id, pipeline_id=pipeline_id)
    return contracts.ProvisioningCancelled.build(data, **_ids(tenant_id, pipeline_id))


def _ids(tenant_id: UUID, pipeline_id: UUID) -> dict[str, Any]:
    return {"producer": PRODUCER, "correlation_id": pipeline_id, "tenant_id": tenant_id}


def _step(pipeline: Pipeline, step: contracts.StepName, attempt: int) -> dict[str, Any]:
    return {
        "tenant_id": pipeline.tenant_id,
        "pipeline_id": pipeline.id,
        "step": step,
        "attempt": max(attempt, 1),
        "at": datetime.now(UTC),
    }
