"""`GET /admin/audit`: the timeline entries of every tenant, filtered; paged or exported."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from service_kit.problems import problem_responses
from shared_schemas.api.instants import Instant
from tenant_api.audit.export import MEDIA_TYPES, Format, export
from tenant_api.audit.models import AuditPage, audit_entry_out
from tenant_api.auth import StaffCaller
from tenant_api.domain.audit import TYPE_PATTERN, AuditFilter
from tenant_api.domain.roles import Role
from tenant_api.web import cursors
from tenant_api.web.errors import AUTH
from tenant_api.web.runtime import RuntimeDep
from tenant_api.web.windows import check_window

router = APIRouter(prefix="/admin/audit", tags=["audit"])


async def _filter(
    since: Annotated[
        Instant | None, Query(alias="from", description="Inclusive; a time with its zone.")
    ] = None,
    until: Annotated[
        Instant | None, Query(alias="to", description="Exclusive; a time with its zone.")
    ] = None,
    actor: Annotated[
        str | None, Query(min_length=1, max_length=200, description="The actor's `sub`, exactly.")
    ] = None,
    role: Annotated[Role | None, Query(description="The actor's role.")] = None,
    tenant: Annotated[UUID | None, Query(description="The tenant's id.")] = None,
    event_type: Annotated[
        str | None,
        Query(
            alias="type",
            pattern=TYPE_PATTERN,
            description="An event type, or its start and `*` (`tenant.contact_*`).",
        ),
    ] = None,
    only_actions: Annotated[
        bool,
        Query(alias="onlyActions", description="Only entries someone asked for (with an actor)."),
    ] = False,
) -> AuditFilter:
    check_window(since, until, start_param="from", end_param="to")
    return AuditFilter(
        since=since,
        until=until,
        actor=actor,
        role=role.value if role else None,
        tenant_id=tenant,
        event_type=event_type,
        only_actions=only_actions,
    )


@router.get(
    "",
    response_model=AuditPage,
    responses={
        200: {
            "description": "A page (JSON), or with `format` every matching entry as a download",
            "content": {kind.split(";")[0]: {} for kind in MEDIA_TYPES.values()},
        },
        **problem_responses(
            **AUTH, r422="Invalid filter, limit, cursor or format, or `from` after `to`"
        ),
    },
)
async def audit_trail(
    principal: StaffCaller,
    runtime: RuntimeDep,
    where: Annotated[AuditFilter, Depends(_filter)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    after: cursors.After = None,
    fmt: Annotated[
        Format | None,
        Query(
            alias="format",
            description="`csv` or `jsonl`: every matching entry (not a page; `limit` and "
            "`after` do not apply), streamed as an attachment.",
        ),
    ] = None,
) -> Response | AuditPage:
    """Timeline entries of every tenant, newest first, filtered (admin, operator)."""
    if fmt is not None:
        return export(runtime, where, fmt)
    position = cursors.position(after)
    async with runtime.uow() as uow:
        lines = await uow.timeline.audit_page(where, before=position, limit=limit + 1)
    entries = [audit_entry_out(line) for line in lines]
    return AuditPage.of(entries, limit, lambda e: (e.occurred_at, e.id))
