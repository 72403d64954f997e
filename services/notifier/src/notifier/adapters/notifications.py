"""The notifications table as the send path and the dev mailbox use it.

One row per (event, kind). Each write of the send path is its own transaction, committed by
the caller at once: an attempt is on record before the server is spoken to, and SENT as soon as
it accepted, whatever becomes of the handler's transaction afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import uuid4

from sqlalchemy import Row, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.adapters.orm import notifications
from notifier.domain.notifications import Delivery, NotificationStatus

_SENT = NotificationStatus.SENT.value


async def begin_attempt(session: AsyncSession, delivery: Delivery) -> bool:
    """Count an attempt and mark it SENDING; False (and nothing changed) if already SENT."""
    values = {
        "recipient": delivery.recipient,
        "subject": delivery.subject,
        "message_id": delivery.message_id,
        "transport": delivery.transport,
        "status": NotificationStatus.SENDING.value,
    }
    stmt = insert(notifications).values(
        id=uuid4(), event_id=delivery.event_id, kind=delivery.kind.value, attempts=1, **values
    )
    # The Message-ID stays the first attempt's: receivers drop a copy by it.
    values.pop("message_id")
    upsert = stmt.on_conflict_do_update(
        constraint="notifications_event_kind_uq",
        set_={**values, "attempts": notifications.c.attempts + 1},
        where=notifications.c.status != _SENT,
    ).returning(notifications.c.id)
    return (await session.execute(upsert)).first() is not None


async def mark(
    session: AsyncSession,
    delivery: Delivery,
    status: NotificationStatus,
    *,
    now: datetime,
    error: str | None = None,
) -> None:
    """The attempt's outcome: SENT (keeping the last failure's reason, for the record) or FAILED."""
    values: dict[str, object] = {"status": status.value}
    if status is NotificationStatus.SENT:
        values["sent_at"] = now
    else:
        values["last_error"] = error
    await session.execute(
        update(notifications)
        .where(
            notifications.c.event_id == delivery.event_id,
            notifications.c.kind == delivery.kind.value,
            notifications.c.status != _SENT,
        )
        .values(**values)
    )


async def latest(session: AsyncSession, limit: int) -> Sequence[Row[tuple[object, ...]]]:
    result = await session.execute(
        select(notifications)
        .order_by(notifications.c.created_at.desc(), notifications.c.id)
        .limit(limit)
    )
    return result.all()
