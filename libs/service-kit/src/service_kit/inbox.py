"""Inbox: the record that makes a consumer idempotent, written in the handler's transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.db import UowT
from service_kit.orm_tables import inbox_table
from shared_schemas import Envelope

# An event's handler: the parsed event and the service's unit of work (the transaction).
Handler = Callable[[Any, UowT], Awaitable[None]]

# Built once: constructing the statement per event cost more than compiling it (cached).
_RECORD = insert(inbox_table).on_conflict_do_nothing().returning(inbox_table.c.event_id)


async def record_once(session: AsyncSession, event: Envelope, consumer: str) -> bool:
    """True the first time `consumer` sees `event`; False for a duplicate.

    A concurrent duplicate blocks on the primary key until the first transaction ends, then
    sees the conflict: two deliveries of one event can never both take effect.
    """
    result = await session.execute(
        _RECORD, {"event_id": event.id, "consumer": consumer, "event_type": event.type}
    )
    return result.first() is not None


async def handle_once(uow: UowT, consumer: str, event: Envelope, handler: Handler[UowT]) -> bool:
    """The event's inbox row, then its handler, in `uow`'s transaction (the caller commits);
    False, and the handler not called, for a duplicate."""
    if not await record_once(uow.session, event, consumer):
        return False
    await handler(event, uow)
    return True
