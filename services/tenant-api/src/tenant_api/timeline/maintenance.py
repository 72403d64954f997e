"""The timeline's upkeep, every RETENTION_INTERVAL seconds next to the retention job: next
months' partitions created, rows outside any month reported, expired months archived and dropped.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog
from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncEngine

from service_kit.exports import ExportStore
from service_kit.metrics import SHARED_SAMPLE
from tenant_api.runtime import Runtime
from tenant_api.timeline.archive import drop_expired
from tenant_api.timeline.partitions import ensure_months, unpartitioned_rows

log = structlog.get_logger(__name__)

UNPARTITIONED = Gauge(
    "timeline_unpartitioned_rows",
    "Timeline rows in the DEFAULT partition (a month without its partition yet)",
    multiprocess_mode=SHARED_SAMPLE,
)


@dataclass
class Upkeep:
    """What one round did."""

    created: list[str] = field(default_factory=list)
    unpartitioned: int = 0
    dropped: list[str] = field(default_factory=list)


async def upkeep_round(
    engine: AsyncEngine,
    store: ExportStore,
    *,
    now: datetime,
    ahead: int,
    keep_months: int,
) -> Upkeep:
    done = Upkeep()
    async with engine.begin() as conn:
        done.created = await ensure_months(conn, now=now, ahead=ahead)
    async with engine.connect() as conn:
        done.unpartitioned = await unpartitioned_rows(conn)
    if keep_months > 0:
        done.dropped = await drop_expired(engine, store, now=now, keep_months=keep_months)
    UNPARTITIONED.set(done.unpartitioned)
    if done.created:
        log.info("timeline partitions created", partitions=done.created)
    if done.unpartitioned:
        log.warning(
            "timeline rows outside any month partition", rows=done.unpartitioned, table="default"
        )
    if done.dropped:
        log.info("timeline partitions archived and dropped", partitions=done.dropped)
    return done


async def keep_timeline(runtime: Runtime) -> None:
    """Background job: an upkeep round at start and every RETENTION_INTERVAL seconds after."""
    settings = runtime.settings
    while True:
        try:
            await upkeep_round(
                runtime.engine,
                runtime.deps.exports,
                now=datetime.now(UTC),
                ahead=settings.timeline_partitions_ahead,
                keep_months=settings.timeline_retention_months,
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # A lock not had in LOCK_TIMEOUT, a refusing export store: nothing was dropped.
            log.warning("timeline upkeep failed; tried again next round", error=repr(exc))
        await asyncio.sleep(settings.retention_interval)
