"""The pipelines (table `pipelines`), read as `Pipeline`s and saved from their transitions.

The statements are built once: every tick of every worker loop asks for a due pipeline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from provisioner.adapters.orm import pipelines, status_in
from provisioner.domain.pipeline import Pipeline, Transition
from provisioner.domain.status import ACTIVE, PipelineStatus, StopReason
from service_kit import tracing
from service_kit.repository import Repository
from service_kit.rows import from_row
from shared_schemas.events import PlanFacts, StepName, TenantProvisioningRequestedData, Tier

_NEXT_DUE = (
    select(pipelines)
    .where(
        or_(
            status_in(PipelineStatus.RUNNING, PipelineStatus.COMPENSATING)
            & (pipelines.c.next_run_at <= func.now()),
            status_in(PipelineStatus.WAITING) & (pipelines.c.waiting_deadline <= func.now()),
        )
    )
    .order_by(pipelines.c.next_run_at)
    .limit(1)
    .with_for_update(skip_locked=True)
)
# The pipeline just worked on, if it is due again at once (its next step, or its compensation).
# clock_timestamp(): now() is the transaction's start, before the step that made it due.
_STILL_DUE = (
    select(pipelines)
    .where(
        pipelines.c.id == bindparam("pipeline_id"),
        status_in(PipelineStatus.RUNNING, PipelineStatus.COMPENSATING),
        pipelines.c.next_run_at <= func.clock_timestamp(),
    )
    .with_for_update()
)
# The SET clause also takes each column named in the parameters.
_SET = (
    update(pipelines)
    .where(pipelines.c.id == bindparam("pipeline_id"))
    .values(updated_at=func.now())
)
# A second request for the same pipeline id changes nothing.
_ADD = insert(pipelines).on_conflict_do_nothing()
_OTHER_ACTIVE = select(pipelines.c.id).where(
    pipelines.c.tenant_id == bindparam("tenant_id"),
    status_in(*ACTIVE),
    pipelines.c.id != bindparam("pipeline_id"),
)
_WAITING_DEADLINE = select(pipelines.c.status, pipelines.c.waiting_deadline).where(
    pipelines.c.id == bindparam("pipeline_id")
)


class PipelineRepository(Repository):
    async def next_due(self) -> Pipeline | None:
        """A due pipeline no other worker holds, locked; None if none is due."""
        return _pipeline((await self._session.execute(_NEXT_DUE)).first())

    async def still_due(self, pipeline_id: UUID) -> Pipeline | None:
        return _pipeline(
            (await self._session.execute(_STILL_DUE, {"pipeline_id": pipeline_id})).first()
        )

    async def locked(self, pipeline_id: UUID) -> Pipeline | None:
        query = select(pipelines).where(pipelines.c.id == pipeline_id).with_for_update()
        return _pipeline((await self._session.execute(query)).first())

    async def get(self, pipeline_id: UUID) -> Pipeline | None:
        query = select(pipelines).where(pipelines.c.id == pipeline_id)
        return _pipeline((await self._session.execute(query)).first())

    async def locked_active_of(self, tenant_id: UUID) -> list[Pipeline]:
        query = (
            select(pipelines)
            .where(pipelines.c.tenant_id == tenant_id, status_in(*ACTIVE))
            .with_for_update()
        )
        rows = (await self._session.execute(query)).all()
        return [_from_row(row) for row in rows]

    async def other_active(self, tenant_id: UUID, pipeline_id: UUID) -> UUID | None:
        """The tenant's active pipeline other than this one, if it has one."""
        params = {"tenant_id": tenant_id, "pipeline_id": pipeline_id}
        found: UUID | None = await self._session.scalar(_OTHER_ACTIVE, params)
        return found

    async def add(
        self,
        request: TenantProvisioningRequestedData,
        *,
        steps: list[StepName],
        requested_by: UUID,
    ) -> None:
        """A new pipeline, due at once; nothing if one of that id exists."""
        await self._session.execute(
            _ADD,
            {
                "id": request.pipeline_id,
                "tenant_id": request.tenant_id,
                "tenant_key": request.key,
                "tenant_name": request.name,
                "tier": request.tier,
                "plan": request.plan.model_dump(mode="json"),
                "contact": request.contact.model_dump(mode="json"),
                "run": request.run,
                "status": PipelineStatus.RUNNING,
                "steps": steps,
                "correlation_event_id": requested_by,
                # The engine runs the steps later, from a poll: it continues this trace from here.
                "trace_context": tracing.carrier() or None,
            },
        )

    async def save(self, transition: Transition) -> None:
        values = transition.changes()
        # Whoever changes the pipeline last hands its trace to the engine's next unit of work.
        trace_context = tracing.carrier()
        if trace_context:
            values["trace_context"] = trace_context
        await self._session.execute(_SET, {"pipeline_id": transition.before.id, **values})


async def waiting_deadline(session: AsyncSession, pipeline_id: UUID) -> datetime | None:
    """The callback deadline of the pipeline's step while it waits for one; else None."""
    row = (await session.execute(_WAITING_DEADLINE, {"pipeline_id": pipeline_id})).first()
    if row is None or row.status != PipelineStatus.WAITING:
        return None
    deadline: datetime = row.waiting_deadline
    return deadline


def _pipeline(row: Row[Any] | None) -> Pipeline | None:
    return None if row is None else _from_row(row)


def _from_row(row: Row[Any]) -> Pipeline:
    return from_row(
        Pipeline,
        row,
        tier=Tier(row.tier),
        plan=PlanFacts.model_validate(row.plan),
        steps=tuple(StepName(step) for step in row.steps),
        status=PipelineStatus(row.status),
        stop_reason=None if row.stop_reason is None else StopReason(row.stop_reason),
        failure_step=None if row.failure_step is None else StepName(row.failure_step),
    )
