"""The stale-pipeline sweeper: a running pipeline without progress is timed out, once.

Safe with many replicas: stale rows are locked with SKIP LOCKED and marked TIMING_OUT in the
same transaction as the `tenant.provisioning_timed_out` outbox row, so no other sweeper (or
later round) selects them again.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID

import structlog

from service_kit import tracing
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.pipeline import PipelineStatus
from tenant_api.runtime import Runtime

log = structlog.get_logger(__name__)


async def sweep_once(
    uow: TenantApiUnitOfWork, *, now: datetime, stale_after: float, batch: int
) -> list[UUID]:
    """Time out up to `batch` stale pipelines; the ids of those this round took."""
    stale = await uow.pipelines.lock_stale(now - timedelta(seconds=stale_after), batch)
    for pipeline in stale:
        # Outside any request or handler: the saga's trace comes from the pipeline row.
        with tracing.span(
            "sweep pipeline timed out",
            parent=tracing.extract(pipeline.trace_context),
            attributes=(
                {"controlplane.pipeline_id": str(pipeline.id)} if tracing.enabled() else None
            ),
        ):
            await uow.pipelines.set_values(pipeline.id, status=PipelineStatus.TIMING_OUT)
            await uow.outbox.add(pipeline.time_out(now))
    return [pipeline.id for pipeline in stale]


async def sweep_stale_pipelines(runtime: Runtime) -> None:
    """Background job: a sweep every PIPELINE_SWEEP_INTERVAL seconds, for ever."""
    settings = runtime.settings
    while True:
        async with runtime.uow() as uow:
            timed_out = await sweep_once(
                uow,
                now=datetime.now(UTC),
                stale_after=settings.pipeline_stale_after,
                batch=settings.pipeline_sweep_batch,
            )
            await uow.commit()
        for pipeline_id in timed_out:
            log.warning("pipeline timed out", pipeline_id=str(pipeline_id))
        # A full batch may mean more are waiting: go again at once.
        if len(timed_out) < settings.pipeline_sweep_batch:
            await asyncio.sleep(settings.pipeline_sweep_interval)
