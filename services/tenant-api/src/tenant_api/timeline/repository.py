"""The timeline: recording its lines, reading a tenant's in pages by a keyset cursor, and
reading everyone's as the audit trail, newest first."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import literal_column, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tenant_api.adapters.filtering import equal, within
from tenant_api.adapters.orm import tenant_events
from tenant_api.domain.audit import AuditFilter
from tenant_api.domain.timeline import TimelineEntry

# Built once: every event the service hears passes here.
_RECORD = insert(tenant_events).on_conflict_do_nothing()


def _position() -> Any:
    return tuple_(tenant_events.c.occurred_at, tenant_events.c.event_id)


def _actor(key: Literal["sub", "role"]) -> Any:
    # Written as the index `tenant_events_actor_time_idx` has it (the key a literal, not a
    # parameter), so that the planner can match the two.
    return tenant_events.c.actor.op("->>")(literal_column(f"'{key}'"))


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
        rows = (await self._session.execute(page_query(tenant_id, after, limit))).all()
        return [TimelineEntry(**row._asdict()) for row in rows]

    async def audit_page(
        self, where: AuditFilter, *, before: tuple[datetime, UUID] | None, limit: int
    ) -> list[TimelineEntry]:
        """Up to `limit` lines of any tenant, newest first, strictly before the (occurred_at,
        event_id) position `before`: a row comparison, which the indexes' order serves."""
        query = (
            select(tenant_events)
            .where(*_audit_clauses(where))
            .order_by(tenant_events.c.occurred_at.desc(), tenant_events.c.event_id.desc())
            .limit(limit)
        )
        if before is not None:
            query = query.where(
                _position() < tuple_(*before), tenant_events.c.occurred_at <= before[0]
            )
        rows = (await self._session.execute(query)).all()
        return [TimelineEntry(**row._asdict()) for row in rows]


def page_query(tenant_id: UUID, after: tuple[datetime, UUID] | None, limit: int) -> Any:
    query = (
        select(tenant_events)
        .where(tenant_events.c.tenant_id == tenant_id)
        .order_by(tenant_events.c.occurred_at, tenant_events.c.event_id)
        .limit(limit)
    )
    if after is not None:
        # The plain bound beside the row comparison is what prunes the months before it.
        query = query.where(_position() > tuple_(*after), tenant_events.c.occurred_at >= after[0])
    return query


def _audit_clauses(where: AuditFilter) -> list[Any]:
    c = tenant_events.c
    clauses: list[Any] = within(c.occurred_at, where.since, where.until)
    clauses += equal(
        (_actor("sub"), where.actor), (_actor("role"), where.role), (c.tenant_id, where.tenant_id)
    )
    if where.type_exact is not None:
        clauses.append(c.type == where.type_exact)
    if where.type_prefix is not None:
        clauses.append(c.type.startswith(where.type_prefix, autoescape=True))
    if where.only_actions:
        # Not `actor IS NOT NULL`: rows written before `none_as_null` hold a JSON null there.
        clauses.append(_actor("sub").is_not(None))
    return clauses
