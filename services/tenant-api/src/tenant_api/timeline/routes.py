"""`GET /tenants/{id}/events`: the tenant's timeline, oldest first, in cursor pages."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from tenant_api.auth import TenantReader
from tenant_api.timeline.models import TimelineEntryOut, entry_out
from tenant_api.web import cursors
from tenant_api.web.errors import tenant_problems
from tenant_api.web.paging import CursorPage
from tenant_api.web.runtime import RuntimeDep

router = APIRouter(prefix="/tenants", tags=["timeline"])


class TimelinePage(CursorPage[TimelineEntryOut]):
    pass


@router.get(
    "/{tenant_id}/events",
    response_model=TimelinePage,
    responses=tenant_problems(r422="Invalid id, limit or cursor"),
)
async def list_events(
    tenant_id: UUID,
    principal: TenantReader,
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    after: cursors.After = None,
) -> TimelinePage:
    """The tenant's timeline: API actions, saga events, notifications; oldest first."""
    principal.ensure_tenant(tenant_id)
    position = cursors.position(after)
    async with runtime.uow() as uow:
        await uow.tenants.ensure_exists(tenant_id)
        lines = await uow.timeline.page(tenant_id, after=position, limit=limit + 1)
    return TimelinePage.of(
        [entry_out(line) for line in lines], limit, lambda e: (e.occurred_at, e.id)
    )
