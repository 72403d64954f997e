"""`/admin/dead-letters`: the parking lot of every service's DLQ (operators and admins)."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import structlog
from fastapi import APIRouter, Depends, Query
from pydantic import ConfigDict, Field
from sqlalchemy import Row

from service_kit.app import RuntimeDep
from service_kit.problems import Conflict, NotFound, ProblemError, problem_responses
from service_kit.retention import days
from shared_schemas.api.base import ApiModel
from shared_schemas.api.instants import Instant
from tenant_api.auth import StaffCaller
from tenant_api.dead_letters import repository as repo
from tenant_api.dead_letters.collector import NotReplayable, past_replay_window, replay_one
from tenant_api.settings import TenantApiSettings
from tenant_api.web import cursors
from tenant_api.web.errors import AUTH

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/admin/dead-letters", tags=["dead letters"])

Status = Literal["PARKED", "REPLAYED", "DISCARDED"]
NO_SUCH = "No such dead letter"
NOT_REPLAYABLE = "Not PARKED, or its original queue cannot take it now"


class DeadLetterOut(ApiModel):
    # What was parked is shown as it is: a body or an error is not input to be tidied up.
    model_config = ConfigDict(**{**ApiModel.model_config, "str_strip_whitespace": False})

    id: UUID
    service: str
    queue: str
    original_queue: str | None
    original_exchange: str | None
    original_routing_key: str | None
    message_id: str | None
    event_id: UUID | None
    event_type: str | None
    tenant_id: UUID | None
    correlation_id: UUID | None
    reason: str
    error: str | None
    dead_lettered_at: datetime | None
    stored_at: datetime
    status: Status
    replayed_at: datetime | None
    replay_count: int
    discarded_reason: str | None
    acted_by: str | None


class ActionOut(ApiModel):
    action: str
    actor: str
    reason: str | None
    at: datetime


class DeadLetterDetail(DeadLetterOut):
    headers: dict[str, Any]
    death_history: list[Any] = Field(description="The broker's `x-death` entries, newest first.")
    body_text: str | None = Field(description="The body as text, when it is UTF-8.")
    body_base64: str = Field(description="The exact bytes of the body.")
    actions: list[ActionOut]


class DeadLetterPage(ApiModel):
    items: list[DeadLetterOut]
    next_cursor: str | None = None


class FilterIn(ApiModel):
    service: str | None = Field(default=None, max_length=100)
    event_type: str | None = Field(default=None, max_length=100)
    tenant_id: UUID | None = None
    reason: str | None = Field(default=None, max_length=100)
    from_: Instant | None = Field(default=None, alias="from")
    to: Instant | None = None


class BulkReplayIn(FilterIn):
    dry_run: bool = False
    limit: int = Field(default=100, ge=1, le=1000)


class BulkReplayOut(ApiModel):
    dry_run: bool
    matched: int
    replayed: int
    failed: int
    too_old: int = Field(
        description="PARKED letters matching the filters whose event is older than "
        "DEAD_LETTER_REPLAY_DAYS: not replayed, not in `matched` or `items`; they can only be "
        "discarded."
    )
    items: list[DeadLetterOut]


class DiscardIn(ApiModel):
    reason: str = Field(min_length=1, max_length=1000)


async def _filters(
    service: Annotated[str | None, Query(max_length=100)] = None,
    event_type: Annotated[str | None, Query(alias="eventType", max_length=100)] = None,
    tenant_id: Annotated[UUID | None, Query(alias="tenantId")] = None,
    reason: Annotated[str | None, Query(max_length=100)] = None,
    since: Annotated[Instant | None, Query(alias="from")] = None,
    until: Annotated[Instant | None, Query(alias="to")] = None,
    status: Annotated[Status | None, Query()] = None,
) -> repo.Filters:
    return repo.Filters(service, event_type, tenant_id, reason, since, until, status)


@router.get(
    "",
    response_model=DeadLetterPage,
    responses=problem_responses(**AUTH, r422="Invalid filter, limit or cursor"),
)
async def list_dead_letters(
    principal: StaffCaller,
    runtime: RuntimeDep,
    filters: Annotated[repo.Filters, Depends(_filters)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    after: Annotated[
        str | None, Query(max_length=200, description="`nextCursor` of the previous page.")
    ] = None,
) -> DeadLetterPage:
    """Dead letters of every service, newest first, filtered; cursor-paged."""
    position = cursors.decode(after, param="after") if after else None
    async with runtime.uow() as uow:
        rows = await repo.page(uow.session, filters, before=position, limit=limit + 1)
    items = [_out(r) for r in rows]
    more = len(items) > limit
    items = items[:limit]
    cursor = cursors.encode(items[-1].stored_at, items[-1].id) if more else None
    return DeadLetterPage(items=items, next_cursor=cursor)


@router.post(
    "/replay",
    response_model=BulkReplayOut,
    responses=problem_responses(**AUTH, r422="Invalid filter or limit"),
)
async def replay_many(
    body: BulkReplayIn, principal: StaffCaller, runtime: RuntimeDep
) -> BulkReplayOut:
    """Replay the PARKED dead letters matching the filters (oldest first, up to `limit`).

    With `dryRun` nothing changes: the answer lists what would be replayed. Publishing is paced
    by DLQ_REPLAY_PER_SECOND; one that cannot be published stays PARKED and counts as failed.
    Letters past DEAD_LETTER_REPLAY_DAYS are left out and counted as `tooOld`.
    """
    filters = repo.Filters(
        body.service, body.event_type, body.tenant_id, body.reason, body.from_, body.to
    )
    # An event is never younger than its dead letter, so a letter parked before the window
    # opened is past it; the few parked since whose events are older are sorted out below.
    cutoff = datetime.now(UTC) - days(runtime.settings.dead_letter_replay_days)
    async with runtime.uow() as uow:
        candidates = await repo.oldest_parked(uow.session, filters, body.limit, parked_after=cutoff)
        too_old = await repo.count_parked_before(uow.session, filters, cutoff)
    rows = [r for r in candidates if not past_replay_window(runtime, r)]
    too_old += len(candidates) - len(rows)
    items = [_out(r) for r in rows]
    if body.dry_run:
        return BulkReplayOut(
            dry_run=True, matched=len(rows), replayed=0, failed=0, too_old=too_old, items=items
        )
    settings = runtime.settings
    assert isinstance(settings, TenantApiSettings)
    pause = 1.0 / settings.dlq_replay_per_second
    replayed = failed = 0
    for row in rows:
        try:
            await replay_one(runtime, row, principal.sub)
            replayed += 1
        except Exception as exc:
            failed += 1
            log.warning("dead letter not replayed", dead_letter_id=str(row.id), error=repr(exc))
        await asyncio.sleep(pause)
    return BulkReplayOut(
        dry_run=False,
        matched=len(rows),
        replayed=replayed,
        failed=failed,
        too_old=too_old,
        items=items,
    )


@router.get(
    "/{dead_letter_id}",
    response_model=DeadLetterDetail,
    responses=problem_responses(**AUTH, r404=NO_SUCH, r422="Invalid id"),
)
async def get_dead_letter(
    dead_letter_id: UUID, principal: StaffCaller, runtime: RuntimeDep
) -> DeadLetterDetail:
    """One dead letter: full body, headers, death history and what operators did with it."""
    async with runtime.uow() as uow:
        row = await _row(uow.session, dead_letter_id)
        done = await repo.actions(uow.session, dead_letter_id)
    return _detail(row, done)


@router.post(
    "/{dead_letter_id}/replay",
    response_model=DeadLetterDetail,
    responses=problem_responses(**AUTH, r404=NO_SUCH, r409=NOT_REPLAYABLE, r422="Invalid id"),
)
async def replay(
    dead_letter_id: UUID, principal: StaffCaller, runtime: RuntimeDep
) -> DeadLetterDetail:
    """Publish the exact bytes back to the original queue (confirmed), then mark REPLAYED."""
    async with runtime.uow() as uow:
        row = await _row(uow.session, dead_letter_id)
    try:
        await replay_one(runtime, row, principal.sub)
    except NotReplayable as exc:
        raise Conflict(exc.detail) from exc
    except ProblemError:
        raise
    except Exception as exc:
        log.warning("dead letter not replayed", dead_letter_id=str(row.id), error=repr(exc))
        raise Conflict(
            "The original queue did not take the message (it may no longer exist); it stays PARKED."
        ) from exc
    return await _fresh(runtime, dead_letter_id)


@router.post(
    "/{dead_letter_id}/discard",
    response_model=DeadLetterDetail,
    responses=problem_responses(
        **AUTH, r404=NO_SUCH, r409="Not PARKED", r422="Invalid id, or no reason"
    ),
)
async def discard(
    dead_letter_id: UUID, body: DiscardIn, principal: StaffCaller, runtime: RuntimeDep
) -> DeadLetterDetail:
    """Give up on a PARKED dead letter, with a recorded reason."""
    async with runtime.uow() as uow:
        row = await _row(uow.session, dead_letter_id)
        if row.status != repo.PARKED:
            raise Conflict(f"This dead letter is {row.status}; only PARKED ones are discarded.")
        await repo.act(
            uow.session, row, action=repo.DISCARDED, actor=principal.sub, reason=body.reason
        )
        await uow.commit()
    return await _fresh(runtime, dead_letter_id)


async def _row(session: Any, dead_letter_id: UUID) -> Row[Any]:
    row = await repo.get(session, dead_letter_id)
    if row is None:
        raise NotFound("No such dead letter.")
    return row


async def _fresh(runtime: RuntimeDep, dead_letter_id: UUID) -> DeadLetterDetail:
    async with runtime.uow() as uow:
        row = await _row(uow.session, dead_letter_id)
        done = await repo.actions(uow.session, dead_letter_id)
    return _detail(row, done)


def _out(row: Row[Any]) -> DeadLetterOut:
    fields = DeadLetterOut.model_fields
    return DeadLetterOut.model_validate({k: v for k, v in row._asdict().items() if k in fields})


def _detail(row: Row[Any], done: list[Row[Any]]) -> DeadLetterDetail:
    base = _out(row).model_dump()
    return DeadLetterDetail(
        **base,
        headers=row.headers or {},
        death_history=_newest_first((row.headers or {}).get("x-death")),
        body_text=row.body_text,
        body_base64=base64.b64encode(bytes(row.body)).decode(),
        actions=[ActionOut(action=a.action, actor=a.actor, reason=a.reason, at=a.at) for a in done],
    )


def _newest_first(deaths: Any) -> list[Any]:
    """`x-death` by time, newest first.

    The broker puts the latest queue first, but a message the consumer republishes to its next
    retry tier carries the list as it was, so across tiers the header's order is not the order.
    """
    if not isinstance(deaths, list):
        return []
    return sorted(
        deaths, key=lambda d: str(d.get("time", "")) if isinstance(d, dict) else "", reverse=True
    )
