"""The stale-pipeline sweeper: a running pipeline without progress is timed out, once.

Safe with many replicas: stale rows are locked with SKIP LOCKED and marked TIMING_OUT in the
same transaction as the `tenant.provisioning_timed_out` outbox row, so no other sweeper (or
later round) selects them again.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog

from service_kit import tracing
from service_kit.db import UnitOfWork
from service_kit.runtime import ServiceRuntime
from shared_schemas.events import TenantProvisioningTimedOut, TenantProvisioningTimedOutData
from tenant_api import PRODUCER
from tenant_api.domain.pipeline import PipelineStatus
from tenant_api.pipeline import repository as pipelines
from tenant_api.settings import TenantApiSettings

log = structlog.get_logger(__name__)


async def sweep_once(
    uow: UnitOfWork, *, now: datetime, stale_after: float, batch: int
) -> list[UUID]:
    """Time out up to `batch` stale pipelines; the ids of those this round took."""
    stale = await pipelines.lock_stale(uow.session, now - timedelta(seconds=stale_after), batch)
    for row in stale:
        # Outside any request or handler: the saga's trace comes from the pipeline row.
        with tracing.span(
            "sweep pipeline timed out",
            parent=tracing.extract(row.trace_context),
            attributes={"controlplane.pipeline_id": str(row.id)} if tracing.enabled() else None,
        ):
            await pipelines.set_values(uow.session, row.id, status=PipelineStatus.TIMING_OUT)
            data = TenantProvisioningTimedOutData(
                tenant_id=row.tenant_id, pipeline_id=row.id, last_progress_at=row.last_progress_at
            )
            await uow.outbox.add(
                TenantProvisioningTimedOut.build(
                    data,
                    producer=PRODUCER,
                    correlation_id=row.id,
                    tenant_id=row.tenant_id,
                    occurred_at=now,
                )
            )
    return [row.id for row in stale]


async def sweep_stale_pipelines(runtime: ServiceRuntime[Any, Any, Any]) -> None:
    """Background job: a sweep every PIPELINE_SWEEP_INTERVAL seconds, for ever."""
    settings: TenantApiSettings = runtime.settings
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
