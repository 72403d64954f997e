"""Use cases over a unit of work: record a receipt, and with an accepted one its event; store
the provisioner's runs as they are announced.

They never commit; the boundary that opened the unit of work (the intake, the consumer) does.
"""

from __future__ import annotations

from service_kit.sealing import Keyring
from service_kit.webhooks import WebhookRun
from shared_schemas.api.webhooks import ProvisioningCallback
from shared_schemas.events import (
    WebhookRunFinished,
    WebhookRunOpened,
    WebhookRunRegistered,
    WebhookRunRegisteredData,
    webhook_run_secret_binding,
)
from webhook_receiver.adapters.unit_of_work import WebhookUnitOfWork
from webhook_receiver.domain.receipts import PRODUCER, Outcome, Reason, Receipt


async def record_rejection(uow: WebhookUnitOfWork, receipt: Receipt, reason: Reason) -> None:
    await uow.deliveries.add(receipt.rejected(reason))


async def record_if_seen(uow: WebhookUnitOfWork, receipt: Receipt) -> bool:
    """Record the delivery as a duplicate if its key was accepted before; False otherwise."""
    assert receipt.tenant_id is not None
    assert receipt.delivery_key is not None
    if not await uow.deliveries.accepted_exists(receipt.tenant_id, receipt.delivery_key):
        return False
    await uow.deliveries.add(receipt.duplicate())
    return True


async def record_verified(
    uow: WebhookUnitOfWork,
    receipt: Receipt,
    callback: ProvisioningCallback,
    run: WebhookRun,
    *,
    maybe_seen: bool,
) -> Outcome:
    """Accept a verified delivery (receipt + `webhook.received`) unless its key was accepted.

    `maybe_seen` (Redis knew the key) is confirmed against the receipts: a claim whose
    delivery was never recorded (a crash, or one still in flight) must not swallow a retry.
    """
    assert receipt.tenant_id is not None
    assert receipt.delivery_key is not None
    seen = maybe_seen and await uow.deliveries.accepted_exists(
        receipt.tenant_id, receipt.delivery_key
    )
    if not seen:
        accepted, event = receipt.accepted(callback, run)
        if await uow.deliveries.add_accepted(accepted):
            await uow.outbox.add(event)
            return Outcome.ACCEPTED
    await uow.deliveries.add(receipt.duplicate())
    return Outcome.DUPLICATE


async def on_run_opened(event: WebhookRunOpened, uow: WebhookUnitOfWork, keys: Keyring) -> None:
    """Store the run, and announce it back: its sender may call back from now on."""
    d = event.data
    # A secret no key opens would refuse every callback of the run: a dead letter with the
    # reason (`sealed_value_unreadable`) says so now, rather than a wall of 401s later.
    keys.open(d.secret, webhook_run_secret_binding(d.pipeline_id))
    await uow.runs.opened(d, event.occurred_at)
    await uow.outbox.add(
        WebhookRunRegistered.build(
            WebhookRunRegisteredData(tenant_id=d.tenant_id, pipeline_id=d.pipeline_id),
            producer=PRODUCER,
            correlation_id=d.pipeline_id,
            causation=event,
            tenant_id=d.tenant_id,
        )
    )


async def on_run_finished(event: WebhookRunFinished, uow: WebhookUnitOfWork) -> None:
    await uow.runs.finished(event.data)
