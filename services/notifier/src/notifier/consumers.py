"""What notifier consumes, wired to its handlers and its mailer."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import aiosmtplib

from notifier import handlers
from notifier.adapters.mailer import Mailer
from notifier.adapters.send_log import SendLog
from notifier.adapters.unit_of_work import NotificationsUnitOfWork
from notifier.settings import NotifierSettings
from service_kit.consumer import Consumer
from shared_schemas.events import (
    LeadCreated,
    TenantActivated,
    TenantOffboarded,
    TenantProvisioningFailed,
)


def build_consumers(
    settings: NotifierSettings, mailer: Mailer, uow_factory: Callable[[], NotificationsUnitOfWork]
) -> list[Consumer[NotificationsUnitOfWork]]:
    out = handlers.Outgoing(
        mailer=mailer,
        sender=settings.mail_from,
        log=SendLog(uow_factory),
        ops_email=settings.ops_email,
        app_base_url=settings.app_base_url,
        links=settings.link_keyring(),
        exports=settings,
    )
    # The routing keys are these event types: each one is bound to the `emails` queue.
    return [
        Consumer(
            name="emails",
            handlers={
                LeadCreated.TYPE: partial(handlers.on_lead_created, out=out),
                TenantActivated.TYPE: partial(handlers.on_tenant_activated, out=out),
                TenantProvisioningFailed.TYPE: partial(
                    handlers.on_tenant_provisioning_failed, out=out
                ),
                TenantOffboarded.TYPE: partial(handlers.on_tenant_offboarded, out=out),
            },
            # A mail server that is down is a failed send, retried through the tiers; it is
            # not the notifier's own engine, whose outage a delivery waits out in place.
            foreign_errors=(aiosmtplib.SMTPException,),
        )
    ]
