"""The notifications table as the send path and the dev mailbox use it.

One row per (event, kind). Each write of the send path is its own transaction, committed by
the caller at once: an attempt is on record before the server is spoken to, and SENT as soon as
it accepted, whatever becomes of the handler's transaction afterwards.
"""

from __future__ import annotations

from uuid import uuid4

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from notifier.adapters.orm import notifications
from notifier.domain.notifications import (
    AttemptEnd,
    Delivery,
    Notification,
    NotificationKind,
    NotificationStatus,
)
from service_kit.repository import Repository
from service_kit.rows import from_row

_SENT = NotificationStatus.SENT.value


class Notifications(Repository):
    async def begin_attempt(self, delivery: Delivery) -> bool:
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
        return (await self._session.execute(upsert)).first() is not None

    async def end_attempt(self, delivery: Delivery, end: AttemptEnd) -> None:
        """The attempt's outcome: SENT (keeping the last failure's reason, for the record) or
        FAILED; a delivery already SENT stays as it is."""
        values: dict[str, object] = {"status": end.status.value}
        if end.status is NotificationStatus.SENT:
            values["sent_at"] = end.sent_at
        else:
            values["last_error"] = end.error
        await self._session.execute(
            update(notifications)
            .where(
                notifications.c.event_id == delivery.event_id,
                notifications.c.kind == delivery.kind.value,
                notifications.c.status != _SENT,
            )
            .values(**values)
        )

    async def latest(self, limit: int) -> list[Notification]:
        """Newest first."""
        result = await self._session.execute(
            select(notifications)
            .order_by(notifications.c.created_at.desc(), notifications.c.id)
            .limit(limit)
        )
        return [
            from_row(
                Notification,
                row,
                kind=NotificationKind(row.kind),
                status=NotificationStatus(row.status),
            )
            for row in result
        ]
