"""Reading a tenant's timeline in pages, oldest first, by a keyset cursor."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from tenant_api.adapters.orm import tenant_events


async def page(
    session: AsyncSession,
    tenant_id: UUID,
    *,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[Row[Any]]:
    """Up to `limit` events strictly after the (occurred_at, event_id) position `after`."""
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
    return list((await session.execute(query)).all())
