"""`/admin/dead-letters`: the parking lot of every service's DLQ (operators and admins)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import structlog
from fastapi import APIRouter, Depends, Query

from service_kit.problems import Conflict, NotFound, ProblemError, problem_responses
from shared_schemas.api.instants import Instant
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.auth import StaffCaller
from tenant_api.dead_letters.models import (
    BulkReplayIn,
    BulkReplayOut,
    DeadLetterDetail,
    DeadLetterPage,
    DiscardIn,
    Status,
    letter_detail,
    letter_out,
)
from tenant_api.dead_letters.replay import replay_one, replay_parked
from tenant_api.domain.dead_letters import DISCARDED, DeadLetter, DeadLetterRefused, Filters
from tenant_api.runtime import Runtime
from tenant_api.web import cursors
from tenant_api.web.errors import AUTH
from tenant_api.web.runtime import RuntimeDep

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/admin/dead-letters", tags=["dead letters"])

NO_SUCH = "No such dead letter"
NOT_REPLAYABLE = "Not PARKED, or its original queue cannot take it now"


async def _filters(
    service: Annotated[str | None, Query(max_length=100)] = None,
    event_type: Annotated[str | None, Query(alias="eventType", max_length=100)] = None,
    tenant_id: Annotated[UUID | None, Query(alias="tenantId")] = None,
    reason: Annotated[str | None, Query(max_length=100)] = None,
    since: Annotated[Instant | None, Query(alias="from")] = None,
    until: Annotated[Instant | None, Query(alias="to")] = None,
    status: Annotated[Status | None, Query()] = None,
) -> Filters:
    return Filters(service, event_type, tenant_id, reason, since, until, status)


@router.get(
    "",
    response_model=DeadLetterPage,
    responses=problem_responses(**AUTH, r422="Invalid filter, limit or cursor"),
)
async def list_dead_letters(
    principal: StaffCaller,
    runtime: RuntimeDep,
    filters: Annotated[Filters, Depends(_filters)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    after: cursors.After = None,
) -> DeadLetterPage:
    """Dead letters of every service, newest first, filtered; cursor-paged."""
    position = cursors.position(after)
    async with runtime.uow() as uow:
        letters = await uow.dead_letters.page(filters, before=position, limit=limit + 1)
    fetched = [letter_out(letter) for letter in letters]
    return DeadLetterPage.of(fetched, limit, lambda d: (d.stored_at, d.id))


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
    filters = Filters(
        body.service, body.event_type, body.tenant_id, body.reason, body.from_, body.to
    )
    done = await replay_parked(
        runtime, filters, body.limit, actor=principal.actor, dry_run=body.dry_run
    )
    return BulkReplayOut(
        dry_run=body.dry_run,
        matched=len(done.letters),
        replayed=done.replayed,
        failed=done.failed,
        too_old=done.too_old,
        items=[letter_out(letter) for letter in done.letters],
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
    return await _detail(runtime, dead_letter_id)


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
        letter = await _letter(uow, dead_letter_id)
    try:
        await replay_one(runtime, letter, principal.actor)
    except (DeadLetterRefused, ProblemError):
        raise
    except Exception as exc:
        log.warning("dead letter not replayed", dead_letter_id=str(letter.id), error=repr(exc))
        raise Conflict(
            "The original queue did not take the message (it may no longer exist); it stays PARKED."
        ) from exc
    return await _detail(runtime, dead_letter_id)


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
        letter = await _letter(uow, dead_letter_id)
        letter.ensure_discardable()
        await uow.dead_letters.act(
            letter, action=DISCARDED, actor=principal.actor, reason=body.reason
        )
        await uow.commit()
    return await _detail(runtime, dead_letter_id)


async def _letter(uow: TenantApiUnitOfWork, dead_letter_id: UUID) -> DeadLetter:
    letter = await uow.dead_letters.get(dead_letter_id)
    if letter is None:
        raise NotFound("No such dead letter.")
    return letter


async def _detail(runtime: Runtime, dead_letter_id: UUID) -> DeadLetterDetail:
    async with runtime.uow() as uow:
        letter = await _letter(uow, dead_letter_id)
        done = await uow.dead_letters.actions(dead_letter_id)
    return letter_detail(letter, done)
