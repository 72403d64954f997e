"""The notifications table as the handlers and the dev mailbox use it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import Row, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.adapters.orm import notifications
from notifier.domain.notifications import Delivery, NotificationKind, NotificationStatus


async def record_attempt(
    session: AsyncSession,
    delivery: Delivery,
    status: NotificationStatus,
    *,
    now: datetime,
    error: str | None = None,
) -> None:
    """Insert or update the one row of (event, kind), counting this attempt."""
    sent_at = now if status is NotificationStatus.SENT else None
    values = {
        "recipient": delivery.recipient,
        "subject": delivery.subject,
        "message_id": delivery.message_id,
        "transport": delivery.transport,
        "status": status.value,
        "sent_at": sent_at,
    }
    stmt = insert(notifications).values(
        id=uuid4(),
        event_id=delivery.event_id,
        kind=delivery.kind.value,
        attempts=1,
        last_error=error,
        **values,
    )
    await session.execute(
        stmt.on_conflict_do_update(
            constraint="notifications_event_kind_uq",
            set_={
                **values,
                "attempts": notifications.c.attempts + 1,
                # A success keeps the last failure's reason, for the record.
                "last_error": error if error is not None else notifications.c.last_error,
            },
        )
    )


async def sent_kinds(session: AsyncSession, event_id: UUID) -> set[NotificationKind]:
    """The kinds of e-mail an earlier attempt at this event has already sent (and committed)."""
    result = await session.execute(
        select(notifications.c.kind).where(
            notifications.c.event_id == event_id,
            notifications.c.status == NotificationStatus.SENT.value,
        )
    )
    return {NotificationKind(kind) for kind in result.scalars()}


async def latest(session: AsyncSession, limit: int) -> Sequence[Row[tuple[object, ...]]]:
    result = await session.execute(
        select(notifications)
        .order_by(notifications.c.created_at.desc(), notifications.c.id)
        .limit(limit)
    )
    return result.all()
