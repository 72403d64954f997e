"""`GET /tenants/{id}/events`: the tenant's timeline, oldest first, in cursor pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from service_kit.problems import problem_responses
from shared_schemas.api.base import ApiModel
from tenant_api.auth import TenantReader
from tenant_api.domain.errors import TenantNotFound
from tenant_api.domain.timeline import TimelineEntry
from tenant_api.web import cursors
from tenant_api.web.errors import AUTH, NOT_FOUND
from tenant_api.web.runtime import RuntimeDep

router = APIRouter(prefix="/tenants", tags=["timeline"])


class TimelineEntryOut(ApiModel):
    id: UUID
    type: str
    occurred_at: datetime
    producer: str
    summary: str
    data: dict[str, Any]


class TimelinePage(ApiModel):
    items: list[TimelineEntryOut]
    next_cursor: str | None = None


@router.get(
    "/{tenant_id}/events",
    response_model=TimelinePage,
    responses=problem_responses(**AUTH, r404=NOT_FOUND, r422="Invalid id, limit or cursor"),
)
async def list_events(
    tenant_id: UUID,
    principal: TenantReader,
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    after: Annotated[
        str | None, Query(max_length=200, description="`nextCursor` of the previous page.")
    ] = None,
) -> TimelinePage:
    """The tenant's timeline: API actions, saga events, notifications; oldest first."""
    principal.ensure_tenant(tenant_id)
    position = cursors.decode(after, param="after") if after else None
    async with runtime.uow() as uow:
        if not await uow.tenants.exists(tenant_id):
            raise TenantNotFound(tenant_id)
        lines = await uow.timeline.page(tenant_id, after=position, limit=limit + 1)
    items = [_entry(line) for line in lines]
    more = len(items) > limit
    items = items[:limit]
    cursor = cursors.encode(items[-1].occurred_at, items[-1].id) if more else None
    return TimelinePage(items=items, next_cursor=cursor)


def _entry(line: TimelineEntry) -> TimelineEntryOut:
    return TimelineEntryOut(
        id=line.event_id,
        type=line.type,
        occurred_at=line.occurred_at,
        producer=line.producer,
        summary=line.summary,
        data=dict(line.data),
    )
