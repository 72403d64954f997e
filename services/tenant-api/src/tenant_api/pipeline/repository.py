"""Pipelines: one row per provisioning run of a tenant; the current one has the highest run."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.db import constant
from service_kit.rows import from_row
from tenant_api.adapters.orm import pipelines, tenants
from tenant_api.domain.pipeline import ACTIVE_PIPELINE, PipelineStatus
from tenant_api.domain.pipeline_run import PipelineRun
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
_ADD = insert(pipelines)  # the row's values are the parameters
# The SET clause takes each column named in the parameters.
_SET = update(pipelines).where(pipelines.c.id == bindparam("target_id"))
# The step events' hot path.
_LOCK_TOUCHED = (
    update(pipelines)
    .where(pipelines.c.id == bindparam("pipeline_id"))
    .values(last_progress_at=func.greatest(pipelines.c.last_progress_at, bindparam("at")))
    .returning(pipelines.c.id)
)
_SET_LATER = ("finished_at", "cancel_requested_at", "failure_step", "failure_reason")
# Live pipelines only, through the partial index pipelines_one_active_per_tenant_uq (its
# statuses constants, as it names them): finished ones are most of the table and only grow.
COUNT_LIVE_BY_STATUS = (
    select(pipelines.c.status, func.count())
    .where(pipelines.c.status.in_([constant(status) for status in sorted(ACTIVE_PIPELINE)]))
    .group_by(pipelines.c.status)
)


class PipelineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def current(self, tenant_id: UUID, *, lock: bool = False) -> PipelineRun | None:
        """The tenant's latest pipeline, if it ever had one."""
        query = _LATEST_LOCKED if lock else _LATEST
        row = (await self._session.execute(query, {"tenant_id": tenant_id})).first()
        return None if row is None else _run(row)

    async def next_run(self, tenant_id: UUID) -> int:
        latest = await self._session.scalar(_LAST_RUN, {"tenant_id": tenant_id})
        return (latest or 0) + 1

    async def add(self, pipeline: PipelineRun) -> None:
        """A new run: what it has not done yet (finished, cancelled, failed) left unset."""
        values = asdict(pipeline)
        for later in _SET_LATER:
            del values[later]
        await self._session.execute(_ADD, values)

    async def set_values(self, pipeline_id: UUID, **values: Any) -> None:
        await self._session.execute(_SET, {"target_id": pipeline_id, **values})

    async def lock_touched(self, pipeline_id: UUID, at: datetime) -> bool:
        """Progress seen at `at`, and the row locked until the transaction ends; False if none.

        last_progress_at only moves forward, whatever the arrival order. One statement where a
        lock and then an update were two.
        """
        result = await self._session.execute(_LOCK_TOUCHED, {"pipeline_id": pipeline_id, "at": at})
        return result.first() is not None

    async def lock_stale(self, cutoff: datetime, limit: int) -> list[PipelineRun]:
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
        return [_run(row) for row in (await self._session.execute(query)).all()]

    async def count_live_by_status(self) -> dict[str, int]:
        """Live (running, timing out) pipelines by status; each present (zero when none)."""
        rows = await self._session.execute(COUNT_LIVE_BY_STATUS)
        counts = {status.value: 0 for status in sorted(ACTIVE_PIPELINE)}
        counts.update({status: int(n) for status, n in rows.all()})
        return counts


def _run(row: Row[Any]) -> PipelineRun:
    return from_row(PipelineRun, row, status=PipelineStatus(row.status))
