"""The pipeline read-model rows (`pipeline_steps`), one per (pipeline, step)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from uuid import UUID

from sqlalchemy import Row, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tenant_api.adapters.orm import pipeline_steps
from tenant_api.domain.pipeline import StepState, StepStatus, step_sort_key

_STATE_COLUMNS = [c for c in pipeline_steps.c if c.name not in ("pipeline_id", "step")]


async def get(session: AsyncSession, pipeline_id: UUID, step: str) -> StepState | None:
    row = (
        await session.execute(
            select(*_STATE_COLUMNS).where(
                pipeline_steps.c.pipeline_id == pipeline_id, pipeline_steps.c.step == step
            )
        )
    ).first()
    if row is None:
        return None
    values = row._asdict()
    return StepState(**{**values, "status": StepStatus(values["status"])})


async def save(session: AsyncSession, pipeline_id: UUID, step: str, state: StepState) -> None:
    values = asdict(state)
    await session.execute(
        insert(pipeline_steps)
        .values(pipeline_id=pipeline_id, step=step, **values)
        .on_conflict_do_update(index_elements=["pipeline_id", "step"], set_=values)
    )


async def list_for(session: AsyncSession, pipeline_id: UUID) -> list[Row[Any]]:
    """The pipeline's steps in plan order."""
    rows = (
        await session.execute(
            select(pipeline_steps).where(pipeline_steps.c.pipeline_id == pipeline_id)
        )
    ).all()
    return sorted(rows, key=lambda row: step_sort_key(row.step))
