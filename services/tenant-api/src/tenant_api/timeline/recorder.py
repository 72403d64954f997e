"""The tenant's timeline: every event that names a tenant, as it arrived."""

from __future__ import annotations

from shared_schemas import Envelope
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.timeline import TimelineEntry


async def record_timeline(event: Envelope, uow: TenantApiUnitOfWork) -> None:
    """Every event that names a tenant becomes a line of its timeline."""
    entry = TimelineEntry.of(event)
    if entry is not None:
        await uow.timeline.record_once(entry)
