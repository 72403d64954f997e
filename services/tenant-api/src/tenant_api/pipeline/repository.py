"""Pipelines: one row per provisioning run of a tenant; the current one has the highest run."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.db import constant
from tenant_api.adapters.orm import pipelines, tenants
from tenant_api.domain.pipeline import PipelineStatus
from tenant_api.domain.status import TenantStatus

# Built once (building a statement per call cost more than running it from the cache).
_LATEST = (
    select(pipelines)
    .where(pipelines.c.tenant_id == bindparam("tenant_id"))
    .order_by(pipelines.c.run.desc())
    .limit(1)
)
_LATEST_LOCKED = _LATEST.with_for_update()
_LAST_RUN = select(func.max(pipelines.c.run)).where(pipelines.c.tenant_id == bindparam("tenant_id"))
# The SET clause takes each column named in the parameters.
_SET = update(pipelines).where(pipelines.c.id == bindparam("target_id"))


async def current(session: AsyncSession, tenant_id: UUID, *, lock: bool = False) -> Row[Any] | None:
    """The tenant's latest pipeline, if it ever had one."""
    query = _LATEST_LOCKED if lock else _LATEST
    return (await session.execute(query, {"tenant_id": tenant_id})).first()


async def next_run(session: AsyncSession, tenant_id: UUID) -> int:
    latest = await session.scalar(_LAST_RUN, {"tenant_id": tenant_id})
    return (latest or 0) + 1


_ADD = insert(pipelines)  # built once; the row's values are the parameters


async def add(session: AsyncSession, **values: Any) -> None:
    await session.execute(_ADD, values)


async def set_values(session: AsyncSession, pipeline_id: UUID, **values: Any) -> None:
    await session.execute(_SET, {"target_id": pipeline_id, **values})


# Built once: the step events' hot path.
_LOCK_TOUCHED = (
    update(pipelines)
    .where(pipelines.c.id == bindparam("pipeline_id"))
    .values(last_progress_at=func.greatest(pipelines.c.last_progress_at, bindparam("at")))
    .returning(pipelines.c.id)
)


async def lock_touched(session: AsyncSession, pipeline_id: UUID, at: datetime) -> bool:
    """Progress seen at `at`, and the row locked until the transaction ends; False if none.

    last_progress_at only moves forward, whatever the arrival order. One statement where a lock
    and then an update were two.
    """
    result = await session.execute(_LOCK_TOUCHED, {"pipeline_id": pipeline_id, "at": at})
    return result.first() is not None


async def lock_stale(session: AsyncSession, cutoff: datetime, limit: int) -> list[Row[Any]]:
    """Running pipelines of PROVISIONING tenants without progress since `cutoff`.

    Locked with SKIP LOCKED: rows another sweeper (or a saga event) holds are left to it.
    """
    query = (
        select(pipelines)
        .join(tenants, tenants.c.id == pipelines.c.tenant_id)
        .where(
            # A constant, as the partial index pipelines_running_progress_idx names it.
            pipelines.c.status == constant(PipelineStatus.RUNNING),
            pipelines.c.last_progress_at < cutoff,
            tenants.c.status == TenantStatus.PROVISIONING,
        )
        .order_by(pipelines.c.last_progress_at)
        .limit(limit)
        .with_for_update(of=pipelines, skip_locked=True)
    )
    return list((await session.execute(query)).all())
