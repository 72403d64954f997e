"""A tenant's timeline: recording its lines, and reading them in pages by a keyset cursor."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from uuid import UUID

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tenant_api.adapters.orm import tenant_events
from tenant_api.domain.timeline import TimelineEntry

# Built once: every event the service hears passes here.
_RECORD = insert(tenant_events).on_conflict_do_nothing()


class TimelineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record_once(self, entry: TimelineEntry) -> None:
        # Shallow: `data` goes as it is, not deep-copied, on this path of every event.
        values = {f.name: getattr(entry, f.name) for f in fields(entry)}
        await self._session.execute(_RECORD, values)

    async def page(
        self, tenant_id: UUID, *, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[TimelineEntry]:
        """Up to `limit` lines, oldest first, strictly after the (occurred_at, event_id)
        position `after`."""
        query = (
            select(tenant_events)
            .where(tenant_events.c.tenant_id == tenant_id)
            .order_by(tenant_events.c.occurred_at, tenant_events.c.event_id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(
                tuple_(tenant_events.c.occurred_at, tenant_events.c.event_id) > tuple_(*after)
            )
        rows = (await self._session.execute(query)).all()
        return [TimelineEntry(**row._asdict()) for row in rows]
