"""What webhook-receiver consumes: the provisioner's runs, to verify their callbacks against.

A run stored is announced back (`webhook.run_registered`, in the same transaction): a sender
that waits for it never calls back before this service can verify the call.
"""

from __future__ import annotations

from service_kit.consumer import Consumer
from service_kit.db import UnitOfWork
from service_kit.sealing import Keyring
from shared_schemas.events import (
    WebhookRunFinished,
    WebhookRunOpened,
    WebhookRunRegistered,
    WebhookRunRegisteredData,
    webhook_run_secret_binding,
)
from webhook_receiver.adapters import runs
from webhook_receiver.handlers import PRODUCER


def build_consumers(keys: Keyring) -> list[Consumer[UnitOfWork]]:
    async def run_opened(event: WebhookRunOpened, uow: UnitOfWork) -> None:
        d = event.data
        # A secret no key opens would refuse every callback of the run: a dead letter with the
        # reason (`sealed_value_unreadable`) says so now, rather than a wall of 401s later.
        keys.open(d.secret, webhook_run_secret_binding(d.pipeline_id))
        await runs.opened(uow.session, d, event.occurred_at)
        await uow.outbox.add(
            WebhookRunRegistered.build(
                WebhookRunRegisteredData(tenant_id=d.tenant_id, pipeline_id=d.pipeline_id),
                producer=PRODUCER,
                correlation_id=d.pipeline_id,
                causation=event,
                tenant_id=d.tenant_id,
            )
        )

    async def run_finished(event: WebhookRunFinished, uow: UnitOfWork) -> None:
        await runs.finished(uow.session, event.data)

    return [
        Consumer(
            name="runs",
            handlers={
                WebhookRunOpened.TYPE: run_opened,
                WebhookRunFinished.TYPE: run_finished,
            },
            shares_transactions=True,
        )
    ]
