"""The job that starts offboardings whose grace has ended: export, then DEPROVISIONING.

Safe with many replicas: due tenants are locked with SKIP LOCKED, and each leaves
OFFBOARDING_SCHEDULED in the same transaction as its `tenant.offboarding_requested`, so no other
job (or later round) takes it again. A tenant whose export the store refuses stays scheduled
and is tried again next round; the others of the round go on.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import UUID

import structlog

from service_kit.exports import ExportFailed, ExportStore
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.runtime import Runtime
from tenant_api.tenants.offboarding import start_removal

log = structlog.get_logger(__name__)
GRACE_ENDED = "offboarding grace ended"


async def start_due_once(
    uow: TenantApiUnitOfWork, store: ExportStore, *, now: datetime, batch: int
) -> tuple[list[UUID], int]:
    """Start up to `batch` due offboardings: the ids started, and how many were due."""
    due = await uow.tenants.lock_due_offboardings(now, batch)
    started: list[UUID] = []
    for tenant in due:
        try:
            # The export is written before any row of this tenant changes: a refusal leaves
            # it as it was.
            await start_removal(uow, store, tenant, now=now, reason=GRACE_ENDED, actor=None)
        except ExportFailed as exc:
            log.error("offboarding export failed; tried again next round", error=str(exc))
            continue
        started.append(tenant.id)
    return started, len(due)


async def start_due_offboardings(runtime: Runtime) -> None:
    """Background job: a round every OFFBOARDING_DUE_INTERVAL seconds, for ever."""
    settings = runtime.settings
    while True:
        async with runtime.uow() as uow:
            started, due = await start_due_once(
                uow,
                runtime.deps.exports,
                now=datetime.now(UTC),
                batch=settings.offboarding_due_batch,
            )
            await uow.commit()
        for tenant_id in started:
            log.info("offboarding started: grace ended", tenant_id=str(tenant_id))
        # A full batch that all went may mean more are due: go again at once.
        if due < settings.offboarding_due_batch or len(started) < due:
            await asyncio.sleep(settings.offboarding_due_interval)
