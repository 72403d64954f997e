"""Replaying parked dead letters: one by id, or the oldest PARKED ones matching filters.

Replay publishes the exact bytes back to the original queue (confirmed) and marks REPLAYED only
then: a crash in between duplicates at worst, and consumers dedupe by inbox.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from service_kit.retention import days
from shared_schemas import Actor
from tenant_api.domain.dead_letters import REPLAYED, DeadLetter, Filters, replay_headers
from tenant_api.runtime import Runtime

log = structlog.get_logger(__name__)


async def replay_one(runtime: Runtime, letter: DeadLetter, actor: Actor) -> None:
    """`NotReplayable` unless PARKED, with an original queue and inside the replay window."""
    window = days(runtime.settings.dead_letter_replay_days)
    letter.ensure_replayable(datetime.now(UTC), window)
    await _replay(runtime, letter, actor)


@dataclass(frozen=True)
class BulkReplay:
    letters: list[DeadLetter]  # matched: inside the replay window
    too_old: int  # PARKED and matching, but past the window
    replayed: int = 0
    failed: int = 0


async def replay_parked(
    runtime: Runtime, filters: Filters, limit: int, *, actor: Actor, dry_run: bool
) -> BulkReplay:
    """The oldest PARKED letters matching `filters` (up to `limit`), replayed unless `dry_run`,
    paced by DLQ_REPLAY_PER_SECOND; one that cannot be published stays PARKED, counted failed.
    Letters past DEAD_LETTER_REPLAY_DAYS are left out and counted as too old."""
    now = datetime.now(UTC)
    window = days(runtime.settings.dead_letter_replay_days)
    # An event is never younger than its dead letter, so a letter parked before the window
    # opened is past it; the few parked since whose events are older are sorted out below.
    cutoff = now - window
    async with runtime.uow() as uow:
        candidates = await uow.dead_letters.oldest_parked(filters, limit, parked_after=cutoff)
        too_old = await uow.dead_letters.count_parked_before(filters, cutoff)
    letters = [c for c in candidates if not c.past_replay_window(now, window)]
    too_old += len(candidates) - len(letters)
    if dry_run:
        return BulkReplay(letters, too_old)
    pause = 1.0 / runtime.settings.dlq_replay_per_second
    replayed = failed = 0
    for letter in letters:
        try:
            letter.ensure_resendable()  # the window was checked above, once
            await _replay(runtime, letter, actor)
            replayed += 1
        except Exception as exc:
            failed += 1
            log.warning("dead letter not replayed", dead_letter_id=str(letter.id), error=repr(exc))
        await asyncio.sleep(pause)
    return BulkReplay(letters, too_old, replayed, failed)


async def _replay(runtime: Runtime, letter: DeadLetter, actor: Actor) -> None:
    assert letter.original_queue is not None, "checked by ensure_resendable"
    await runtime.broker.publish(
        bytes(letter.body),
        routing_key=letter.original_queue,
        headers=replay_headers(letter),
        message_id=letter.message_id,
        to_queue=True,
    )
    async with runtime.uow() as uow:
        await uow.dead_letters.act(letter, action=REPLAYED, actor=actor)
        await uow.commit()
