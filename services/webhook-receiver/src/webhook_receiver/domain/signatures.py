"""Is a delivery signed with its run's secret, and with which run's? Constant-time comparisons,
in the kit."""

from __future__ import annotations

from collections.abc import Sequence

from service_kit.webhooks import WebhookRun, verify_arc, verify_standard
from webhook_receiver.domain.receipts import Scheme
from webhook_receiver.domain.signed_request import SignedRequest


def signature_valid(signed: SignedRequest, body: bytes, run: WebhookRun) -> bool:
    """Checked over the raw body bytes exactly as received."""
    if signed.scheme is Scheme.ARC:
        return verify_arc(run.secret, body, run.context, signed.timestamp, signed.signature)
    assert signed.message_id is not None
    return verify_standard(run.secret, signed.message_id, signed.timestamp, body, signed.signature)


def signing_run(
    signed: SignedRequest, body: bytes, runs: Sequence[WebhookRun]
) -> WebhookRun | None:
    """The run whose secret signed the delivery, or None. Each candidate is checked, so an
    older run of the tenant (finished, not yet expired) never shadows a newer one."""
    return next((run for run in runs if signature_valid(signed, body, run)), None)
