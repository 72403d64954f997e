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
from shared_schemas.events import (
    LeadCreated,
    LeadCreatedV1,
    TenantActivated,
    TenantOffboarded,
    TenantProvisioningFailed,
)

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


def sent_recorder(uow_factory: Callable[[], UnitOfWork]) -> handlers.RecordSent:
    """Records a sent e-mail in a transaction of its own, committed at once.

    For an event that sends several e-mails: when a later one fails, the handler's transaction
    rolls back, and the record of the ones already sent must survive it so the retry skips them.
    Unlike a failure's record this one raises: the e-mail may then go again, but is never lost.
    """

    async def record(delivery: Delivery) -> None:
        async with uow_factory() as uow:
            await record_attempt(
                uow.session, delivery, NotificationStatus.SENT, now=datetime.now(UTC)
            )
            await uow.commit()

    return record


def build_consumers(
    settings: NotifierSettings, mailer: Mailer, uow_factory: Callable[[], UnitOfWork]
) -> list[Consumer]:
    out = handlers.Outgoing(
        mailer=mailer,
        sender=settings.mail_from,
        record_failure=failure_recorder(uow_factory),
        record_sent=sent_recorder(uow_factory),
        ops_email=settings.ops_email,
        app_base_url=settings.app_base_url,
    )

    links = settings.link_keyring()

    async def lead_created(event: LeadCreated | LeadCreatedV1, uow: UnitOfWork) -> None:
        await handlers.on_lead_created(event, uow, out, links)

    async def tenant_activated(event: TenantActivated, uow: UnitOfWork) -> None:
        await handlers.on_tenant_activated(event, uow, out)

    async def provisioning_failed(event: TenantProvisioningFailed, uow: UnitOfWork) -> None:
        await handlers.on_tenant_provisioning_failed(event, uow, out)

    async def tenant_offboarded(event: TenantOffboarded, uow: UnitOfWork) -> None:
        await handlers.on_tenant_offboarded(event, uow, out)

    # The routing keys are these event types: each one is bound to the `emails` queue.
    return [
        Consumer(
            name="emails",
            handlers={
                LeadCreated.TYPE: lead_created,
                TenantActivated.TYPE: tenant_activated,
                TenantProvisioningFailed.TYPE: provisioning_failed,
                TenantOffboarded.TYPE: tenant_offboarded,
            },
        )
    ]
