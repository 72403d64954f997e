"""`GET /tenants/{id}/pipeline`: the current pipeline and its steps (the read-model)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from uuid import UUID

from fastapi import APIRouter

from service_kit.problems import NotFound
from shared_schemas.api.base import ApiModel
from tenant_api.auth import TenantReader
from tenant_api.domain.pipeline import PipelineStatus, StepStatus
from tenant_api.pipeline.step_repository import PipelineStep
from tenant_api.web.errors import NOT_FOUND, tenant_problems
from tenant_api.web.runtime import RuntimeDep

router = APIRouter(prefix="/tenants", tags=["pipelines"])


class StepOut(ApiModel):
    """One step as far as its events tell; a step with no event yet is not listed."""

    name: str
    status: StepStatus
    attempts: int
    last_error: str | None
    started_at: datetime | None
    finished_at: datetime | None


class PipelineOut(ApiModel):
    """The tenant's current (latest) pipeline; steps in plan order."""

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
    steps: list[StepOut]


@router.get(
    "/{tenant_id}/pipeline",
    response_model=PipelineOut,
    responses=tenant_problems(r404=f"{NOT_FOUND}, or never provisioned"),
)
async def get_pipeline(
    tenant_id: UUID, principal: TenantReader, runtime: RuntimeDep
) -> PipelineOut:
    """The tenant's current pipeline: overall status and every step seen so far."""
    principal.ensure_tenant(tenant_id)
    async with runtime.uow() as uow:
        pipeline = await uow.pipelines.current(tenant_id)
        if pipeline is None:
            await uow.tenants.ensure_exists(tenant_id)
            raise NotFound("This tenant has no pipeline (it was never provisioned).")
        steps = await uow.steps.list_for(pipeline.id)
    shown = {k: v for k, v in asdict(pipeline).items() if k in PipelineOut.model_fields}
    return PipelineOut.model_validate({**shown, "steps": [_step(s) for s in steps]})


def _step(step: PipelineStep) -> StepOut:
    state = step.state
    return StepOut(
        name=step.step,
        status=state.status,
        attempts=state.attempts,
        last_error=state.last_error,
        started_at=state.started_at,
        finished_at=state.finished_at,
    )
