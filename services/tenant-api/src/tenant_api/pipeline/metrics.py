"""tenant-api's own Prometheus families: how long sagas take, pipelines running now, and
pipelines finished."""

from __future__ import annotations

import asyncio
from datetime import datetime

import structlog
from prometheus_client import Counter, Gauge, Histogram

from service_kit.metrics import SHARED_SAMPLE
from tenant_api.runtime import Runtime

log = structlog.get_logger(__name__)

SAGA_DURATION = Histogram(
    "saga_duration_seconds",
    "From a pipeline's start to its outcome event (succeeded, failed, cancelled, timeout)",
    ["tier", "outcome"],
    buckets=(1, 2.5, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600),
)
# Live pipelines only (RUNNING, TIMING_OUT), counted in SQL: a count of every pipeline ever run
# grew with the table. Finished ones are counted as they finish, below.
PIPELINES = Gauge(
    "pipelines",
    "Live provisioning pipelines by status: RUNNING, TIMING_OUT (read-model)",
    ["status"],
    multiprocess_mode=SHARED_SAMPLE,
)
PIPELINES_FINISHED = Counter(
    "pipelines_finished",
    "Provisioning pipelines that ended, by status: SUCCEEDED, FAILED, CANCELLED",
    ["status"],
)


def observe_saga(
    tier: str, outcome: str, status: str, started_at: datetime, finished_at: datetime
) -> None:
    SAGA_DURATION.labels(tier, outcome).observe(
        max((finished_at - started_at).total_seconds(), 0.0)
    )
    PIPELINES_FINISHED.labels(status).inc()


async def refresh_pipelines_gauge(runtime: Runtime) -> dict[str, int]:
    async with runtime.uow() as uow:
        counts = await uow.pipelines.count_live_by_status()
    for status, n in counts.items():
        PIPELINES.labels(status).set(n)
    return counts


async def watch_pipelines(runtime: Runtime) -> None:
    """Background job: refresh `pipelines{status}` (live ones) every METRICS_PIPELINES_INTERVAL
    seconds."""
    settings = runtime.settings
    while True:
        try:
            await refresh_pipelines_gauge(runtime)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("pipelines gauge refresh failed", error=repr(exc))
        await asyncio.sleep(settings.metrics_pipelines_interval)
