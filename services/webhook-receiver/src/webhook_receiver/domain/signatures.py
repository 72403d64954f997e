"""Is a delivery signed with its run's secret? Constant-time comparisons, in the kit."""

from __future__ import annotations

from service_kit.webhooks import WebhookRun, verify_arc, verify_standard
from webhook_receiver.domain.receipts import Scheme
from webhook_receiver.domain.signed_request import SignedRequest


def signature_valid(signed: SignedRequest, body: bytes, run: WebhookRun) -> bool:
    """Checked over the raw body bytes exactly as received."""
    if signed.scheme is Scheme.ARC:
        return verify_arc(run.secret, body, run.context, signed.timestamp, signed.signature)
    assert signed.message_id is not None
    return verify_standard(run.secret, signed.message_id, signed.timestamp, body, signed.signature)
