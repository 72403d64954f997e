"""What notifier consumes, wired to its handlers and its mailer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import structlog

from notifier import handlers
from notifier.adapters.mailer import Mailer
from notifier.adapters.notifications import record_attempt
from notifier.domain.notifications import Delivery, NotificationStatus
from notifier.settings import NotifierSettings
from service_kit.consumer import Consumer
from service_kit.db import UnitOfWork
from shared_schemas.events import LeadCreated

log = structlog.get_logger(__name__)


def failure_recorder(uow_factory: Callable[[], UnitOfWork]) -> handlers.RecordFailure:
    """Records a failed attempt in a transaction of its own.

    The handler's transaction is rolled back when the send fails, so the failure would vanish
    with it; the row keeps the attempts and the last error across retries and dead-lettering.
    """

    async def record(delivery: Delivery, error: str) -> None:
        try:
            async with uow_factory() as uow:
                await record_attempt(
                    uow.session,
                    delivery,
                    NotificationStatus.FAILED,
                    now=datetime.now(UTC),
                    error=error[:2000],
                )
                await uow.commit()
        except Exception as exc:
            # Bookkeeping only: the send error, raised next, is what drives the retry.
            log.warning("could not record the failed attempt", error=repr(exc))

    return record


def build_consumers(
    settings: NotifierSettings, mailer: Mailer, uow_factory: Callable[[], UnitOfWork]
) -> list[Consumer]:
    out = handlers.Outgoing(
        mailer=mailer, sender=settings.mail_from, record_failure=failure_recorder(uow_factory)
    )

    async def lead_created(event: LeadCreated, uow: UnitOfWork) -> None:
        await handlers.on_lead_created(event, uow, out)

    return [Consumer(name="emails", handlers={LeadCreated.TYPE: lead_created})]
