"""The pipeline read-model: `provisioning.step_*` events merged in whatever order they come."""

from __future__ import annotations

import structlog

from shared_schemas.events import StepCompensated, StepFailed, StepStarted, StepSucceeded
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.pipeline import StepEvent, merge

log = structlog.get_logger(__name__)

AnyStepEvent = StepStarted | StepSucceeded | StepFailed | StepCompensated


def step_event(event: AnyStepEvent) -> StepEvent:
    d = event.data
    if isinstance(event, StepStarted):
        return StepEvent("started", d.attempt, d.at)
    if isinstance(event, StepSucceeded):
        return StepEvent("succeeded", d.attempt, d.at)
    if isinstance(event, StepFailed):
        return StepEvent(
            "failed", d.attempt, d.at, error=event.data.error, will_retry=event.data.will_retry
        )
    return StepEvent("compensated", d.attempt, d.at)


async def record_step(event: AnyStepEvent, uow: TenantApiUnitOfWork) -> None:
    """Merge the step event into its row; ignored unless it is of the tenant's current pipeline.

    The pipeline's progress time moves on either way: the run named did make that progress.
    """
    d = event.data
    # The pipeline's lock orders concurrent events of one pipeline (read, merge, write); the
    # update that takes it also records the progress, which only ever moves forward.
    if not await uow.pipelines.lock_touched(d.pipeline_id, d.at):
        log.info("step event of an unknown pipeline; ignored", step=d.step)
        return
    is_current, state = await uow.steps.get_if_current(d.tenant_id, d.pipeline_id, d.step)
    if not is_current:
        log.info("step event of a pipeline that is not current; ignored", step=d.step)
        return
    merged = merge(state, step_event(event))
    if merged != state:
        await uow.steps.save(d.pipeline_id, d.step, merged)
