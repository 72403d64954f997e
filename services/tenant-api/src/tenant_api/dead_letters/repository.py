"""The dead-letter parking lot: rows kept from every service's DLQ, and what operators did."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared_schemas import Actor
from tenant_api.adapters.orm import dead_letter_actions, dead_letters, tenant_events
from tenant_api.dead_letters import repository_queries as queries
from tenant_api.dead_letters.parking import ParkedRow
from tenant_api.domain.dead_letters import (
    DISCARDED,
    REPLAYED,
    DeadLetter,
    DeadLetterAction,
    Filters,
)


class DeadLetterRepository:
    """`uow.dead_letters`: park, find, list and resolve dead letters."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def park(self, row: ParkedRow) -> bool:
        """Store a dead letter once; False if this very message was stored before
        (redelivery)."""
        result = await self._session.execute(
            pg_insert(dead_letters)
            .values(**row)
            .on_conflict_do_nothing(constraint="dead_letters_queue_dedupe_uq")
            .returning(dead_letters.c.id)
        )
        return result.first() is not None

    async def get(self, dead_letter_id: UUID) -> DeadLetter | None:
        query = select(dead_letters).where(dead_letters.c.id == dead_letter_id)
        row = (await self._session.execute(query)).first()
        return None if row is None else _letter(row)

    async def page(
        self, filters: Filters, *, before: tuple[datetime, UUID] | None, limit: int
    ) -> list[DeadLetter]:
        """Newest first, keyset-paged by (stored_at, id)."""
        query = queries.page(filters, before=before, limit=limit)
        return [_letter(row) for row in await self._session.execute(query)]

    async def oldest_parked(
        self, filters: Filters, limit: int, *, parked_after: datetime
    ) -> list[DeadLetter]:
        query = queries.oldest_parked(filters, limit, parked_after=parked_after)
        return [_letter(row) for row in await self._session.execute(query)]

    async def count_parked_before(self, filters: Filters, cutoff: datetime) -> int:
        query = queries.count_parked_before(filters, cutoff)
        return int((await self._session.execute(query)).scalar_one())

    async def actions(self, dead_letter_id: UUID) -> list[DeadLetterAction]:
        c = dead_letter_actions.c
        query = select(dead_letter_actions).where(c.dead_letter_id == dead_letter_id).order_by(c.at)
        return [
            DeadLetterAction(row.action, row.actor, row.reason, row.at)
            for row in await self._session.execute(query)
        ]

    async def act(
        self, letter: DeadLetter, *, action: str, actor: Actor, reason: str | None = None
    ) -> None:
        """Mark REPLAYED or DISCARDED, audit it, and put it on the tenant's timeline (with
        who did it, as every entry names its actor)."""
        now = datetime.now(UTC)
        c = dead_letters.c
        if action == REPLAYED:
            values: dict[str, Any] = {
                "status": REPLAYED,
                "replayed_at": now,
                "replay_count": c.replay_count + 1,
                "acted_by": actor.sub,
                "resolved_at": now,
            }
        else:
            values = {
                "status": DISCARDED,
                "discarded_reason": reason,
                "acted_by": actor.sub,
                "resolved_at": now,
            }
        await self._session.execute(update(dead_letters).where(c.id == letter.id).values(**values))
        await self._session.execute(
            insert(dead_letter_actions).values(
                id=uuid.uuid4(),
                dead_letter_id=letter.id,
                action=action,
                actor=actor.sub,
                reason=reason,
                at=now,
            )
        )
        if letter.tenant_id is not None:
            verb = "replayed" if action == REPLAYED else "discarded"
            await self._session.execute(
                insert(tenant_events).values(
                    event_id=uuid.uuid4(),
                    tenant_id=letter.tenant_id,
                    type=f"dead_letter.{verb}",
                    occurred_at=now,
                    producer="tenant-api",
                    summary=f"dead letter {verb}: {letter.event_type or 'unknown event'}",
                    data={
                        "deadLetterId": str(letter.id),
                        "service": letter.service,
                        "eventId": str(letter.event_id) if letter.event_id else None,
                        "eventType": letter.event_type,
                        "actor": actor.sub,
                        "reason": reason,
                    },
                    actor=actor.model_dump(),
                )
            )


def _letter(row: Row[Any]) -> DeadLetter:
    return DeadLetter(**row._asdict())
