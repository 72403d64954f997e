"""The pipeline read-model rows (`pipeline_steps`), one per (pipeline, step)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, bindparam, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tenant_api.adapters.orm import pipeline_steps, pipelines
from tenant_api.domain.pipeline import StepState, StepStatus, step_sort_key

_STATE_COLUMNS = [c for c in pipeline_steps.c if c.name not in ("pipeline_id", "step")]


_current = pipelines.alias("current_run")
# The pipeline, whether it is its tenant's latest run, and the step's row if it has one.
_GET_IF_CURRENT = (
    select(
        (
            select(_current.c.id)
            .where(_current.c.tenant_id == bindparam("tenant_id"))
            .order_by(_current.c.run.desc())
            .limit(1)
            .scalar_subquery()
            == pipelines.c.id
        ).label("is_current"),
        *_STATE_COLUMNS,
    )
    .select_from(
        pipelines.outerjoin(
            pipeline_steps,
            and_(
                pipeline_steps.c.pipeline_id == pipelines.c.id,
                pipeline_steps.c.step == bindparam("step"),
            ),
        )
    )
    .where(pipelines.c.id == bindparam("pipeline_id"))
)

# Built once: the columns come from the parameters; on a conflict the state takes the new values.
_ROW = insert(pipeline_steps)
_SAVE = _ROW.on_conflict_do_update(
    index_elements=[pipeline_steps.c.pipeline_id, pipeline_steps.c.step],
    set_={c.name: _ROW.excluded[c.name] for c in _STATE_COLUMNS},
)


@dataclass(frozen=True)
class PipelineStep:
    """A step of a pipeline and its read-model state."""

    step: str
    state: StepState


class StepRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_if_current(
        self, tenant_id: UUID, pipeline_id: UUID, step: str
    ) -> tuple[bool, StepState | None]:
        """Whether the pipeline is the tenant's current one, and the step's state: one statement.

        Run it after locking the pipeline, so the read sees whatever the lock waited for.
        """
        params = {"tenant_id": tenant_id, "pipeline_id": pipeline_id, "step": step}
        row = (await self._session.execute(_GET_IF_CURRENT, params)).first()
        if row is None or not row.is_current:
            return False, None
        values = row._asdict()
        del values["is_current"]
        if values["status"] is None:
            return True, None
        return True, _state(values)

    async def save(self, pipeline_id: UUID, step: str, state: StepState) -> None:
        await self._session.execute(
            _SAVE, {"pipeline_id": pipeline_id, "step": step, **asdict(state)}
        )

    async def list_for(self, pipeline_id: UUID) -> list[PipelineStep]:
        """The pipeline's steps in plan order."""
        query = select(pipeline_steps).where(pipeline_steps.c.pipeline_id == pipeline_id)
        rows = (await self._session.execute(query)).all()
        steps = [PipelineStep(row.step, _state(_state_of(row))) for row in rows]
        return sorted(steps, key=lambda s: step_sort_key(s.step))


def _state_of(row: Row[Any]) -> dict[str, Any]:
    values = row._asdict()
    del values["pipeline_id"], values["step"]
    return values


def _state(values: dict[str, Any]) -> StepState:
    return StepState(**{**values, "status": StepStatus(values["status"])})
