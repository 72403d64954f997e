"""What notifier consumes, wired to its handlers and its mailer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import aiosmtplib
import structlog

from notifier import handlers
from notifier.adapters import notifications
from notifier.adapters.mailer import Mailer
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


def send_log(uow_factory: Callable[[], UnitOfWork]) -> handlers.SendLog:
    """The send path's records, each in a transaction of its own, committed at once.

    Not in the handler's transaction: that one commits (with its inbox row) after the e-mail
    went, and a crash or a failure before it would take the record of the send with it.
    """

    async def begin(delivery: Delivery) -> bool:
        async with uow_factory() as uow:
            fresh = await notifications.begin_attempt(uow.session, delivery)
            await uow.commit()
        return fresh

    async def sent(delivery: Delivery) -> None:
        async with uow_factory() as uow:
            await notifications.mark(
                uow.session, delivery, NotificationStatus.SENT, now=datetime.now(UTC)
            )
            await uow.commit()

    async def failed(delivery: Delivery, error: str) -> None:
        try:
            async with uow_factory() as uow:
                await notifications.mark(
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

    return handlers.SendLog(begin=begin, sent=sent, failed=failed)


def build_consumers(
    settings: NotifierSettings, mailer: Mailer, uow_factory: Callable[[], UnitOfWork]
) -> list[Consumer[UnitOfWork]]:
    out = handlers.Outgoing(
        mailer=mailer,
        sender=settings.mail_from,
        log=send_log(uow_factory),
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
            # A mail server that is down is a failed send, retried through the tiers; it is
            # not the notifier's own engine, whose outage a delivery waits out in place.
            foreign_errors=(aiosmtplib.SMTPException,),
        )
    ]
