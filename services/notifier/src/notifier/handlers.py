"""notifier's use cases: one per event it mails about. They never commit; the runner does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from notifier.adapters.mailer import Mailer
from notifier.adapters.notifications import record_attempt
from notifier.domain.messages import compose, render_lead_verification, sender_domain
from notifier.domain.notifications import (
    Delivery,
    NotificationKind,
    NotificationStatus,
    message_id,
)
from service_kit.db import UnitOfWork
from shared_schemas.events import LeadCreated

RecordFailure = Callable[[Delivery, str], Awaitable[None]]


@dataclass(frozen=True)
class Outgoing:
    """What the e-mail handlers need besides the unit of work."""

    mailer: Mailer
    sender: str
    record_failure: RecordFailure


async def on_lead_created(event: LeadCreated, uow: UnitOfWork, out: Outgoing) -> None:
    """Mail the lead its verification link; a failed send raises so the runner retries."""
    data = event.data
    kind = NotificationKind.LEAD_VERIFICATION
    mail = render_lead_verification(data)
    delivery = Delivery(
        event_id=event.id,
        kind=kind,
        recipient=str(data.email),
        subject=mail.subject,
        message_id=message_id(event.id, kind, sender_domain(out.sender)),
        transport=out.mailer.transport,
    )
    message = compose(
        mail,
        sender=out.sender,
        to_name=f"{data.first_name} {data.last_name}",
        to_address=str(data.email),
        message_id=delivery.message_id,
        date=event.occurred_at,
    )
    try:
        await out.mailer.send(message)
    except Exception as exc:
        await out.record_failure(delivery, repr(exc))
        raise
    await record_attempt(uow.session, delivery, NotificationStatus.SENT, now=datetime.now(UTC))
