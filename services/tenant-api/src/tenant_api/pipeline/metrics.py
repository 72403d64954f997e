"""tenant-api's own Prometheus families: how long sagas take, and pipelines by status."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import structlog
from prometheus_client import Gauge, Histogram
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.metrics import SHARED_SAMPLE
from service_kit.runtime import ServiceRuntime
from tenant_api.adapters.orm import pipelines as pipelines_table
from tenant_api.domain.pipeline import PipelineStatus
from tenant_api.settings import TenantApiSettings

log = structlog.get_logger(__name__)

SAGA_DURATION = Histogram(
    "saga_duration_seconds",
    "From a pipeline's start to its outcome event (succeeded, failed, cancelled, timeout)",
    ["tier", "outcome"],
    buckets=(1, 2.5, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600),
)
PIPELINES = Gauge(
    "pipelines",
    "Provisioning pipelines by status (read-model)",
    ["status"],
    multiprocess_mode=SHARED_SAMPLE,
)


def observe_saga(tier: str, outcome: str, started_at: datetime, finished_at: datetime) -> None:
    SAGA_DURATION.labels(tier, outcome).observe(
        max((finished_at - started_at).total_seconds(), 0.0)
    )


async def count_pipelines(session: AsyncSession) -> dict[str, int]:
    """Pipelines by status; every known status present (zero when none)."""
    rows = await session.execute(
        select(pipelines_table.c.status, func.count()).group_by(pipelines_table.c.status)
    )
    counts = {status.value: 0 for status in PipelineStatus}
    counts.update({status: int(n) for status, n in rows.all()})
    return counts


async def refresh_pipelines_gauge(runtime: ServiceRuntime[Any, Any, Any]) -> dict[str, int]:
    assert runtime.sessions is not None, "runtime not started"
    async with runtime.sessions() as session:
        counts = await count_pipelines(session)
    for status, n in counts.items():
        PIPELINES.labels(status).set(n)
    return counts


async def watch_pipelines(runtime: ServiceRuntime[Any, Any, Any]) -> None:
    """Background job: refresh `pipelines{status}` every METRICS_PIPELINES_INTERVAL seconds."""
    settings: TenantApiSettings = runtime.settings
    while True:
        try:
            await refresh_pipelines_gauge(runtime)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("pipelines gauge refresh failed", error=repr(exc))
        await asyncio.sleep(settings.metrics_pipelines_interval)
