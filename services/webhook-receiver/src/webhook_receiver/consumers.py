"""What webhook-receiver consumes: the provisioner's runs, to verify their callbacks against.

A run stored is announced back (`webhook.run_registered`, in the same transaction): a sender
that waits for it never calls back before this service can verify the call.
"""

from __future__ import annotations

from functools import partial

from service_kit.consumer import Consumer
from service_kit.sealing import Keyring
from shared_schemas.events import WebhookRunFinished, WebhookRunOpened
from webhook_receiver import handlers
from webhook_receiver.adapters.unit_of_work import WebhookUnitOfWork


def build_consumers(keys: Keyring) -> list[Consumer[WebhookUnitOfWork]]:
    return [
        Consumer(
            name="runs",
            handlers={
                WebhookRunOpened.TYPE: partial(handlers.on_run_opened, keys=keys),
                WebhookRunFinished.TYPE: handlers.on_run_finished,
            },
            shares_transactions=True,
        )
    ]
