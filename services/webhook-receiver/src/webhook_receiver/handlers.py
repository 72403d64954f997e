"""Use cases over a unit of work: record a receipt, and with an accepted one its event.

They never commit; the intake (the boundary that opened the unit of work) does.
"""

from __future__ import annotations

from service_kit.db import UnitOfWork
from service_kit.webhooks import WebhookRun
from shared_schemas.api.webhooks import ProvisioningCallback
from shared_schemas.events.webhook import WebhookReceived, WebhookReceivedData
from webhook_receiver.adapters import deliveries
from webhook_receiver.domain.receipts import Outcome, Reason, Receipt

PRODUCER = "webhook-receiver"


async def record_rejection(uow: UnitOfWork, receipt: Receipt, reason: Reason) -> None:
    await deliveries.add(uow.session, receipt, Outcome.REJECTED, reason)


async def record_if_seen(uow: UnitOfWork, receipt: Receipt) -> bool:
    """Record the delivery as a duplicate if its key was accepted before; False otherwise."""
    assert receipt.tenant_id is not None
    assert receipt.delivery_key is not None
    if not await deliveries.accepted_exists(uow.session, receipt.tenant_id, receipt.delivery_key):
        return False
    await deliveries.add(uow.session, receipt, Outcome.DUPLICATE)
    return True


async def record_verified(
    uow: UnitOfWork,
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
    seen = maybe_seen and await deliveries.accepted_exists(
        uow.session, receipt.tenant_id, receipt.delivery_key
    )
    if not seen and await deliveries.add_accepted(uow.session, receipt):
        await uow.outbox.add(_event(receipt, callback, run))
        return Outcome.ACCEPTED
    await deliveries.add(uow.session, receipt, Outcome.DUPLICATE)
    return Outcome.DUPLICATE


def _event(receipt: Receipt, callback: ProvisioningCallback, run: WebhookRun) -> WebhookReceived:
    return WebhookReceived.build(
        WebhookReceivedData(
            delivery_id=receipt.id,
            tenant_id=callback.initiator_id,
            pipeline_id=run.pipeline_id,
            scheme=receipt.scheme.value,
            succeeded=callback.data.status == 1,
            resources=callback.data.resources,
            app_plane_url=callback.data.app_plane_url,
        ),
        producer=PRODUCER,
        correlation_id=run.pipeline_id,
        tenant_id=callback.initiator_id,
        occurred_at=receipt.received_at,
    )
