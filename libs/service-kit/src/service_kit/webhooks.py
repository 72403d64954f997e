"""Signing and verifying provisioning callbacks (DESIGN §5), and the per-run secret.

Pure functions: the provisioner signs with them (local driver), webhook-receiver verifies with
them, tests forge with them. Each service keeps its runs in its own database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

SECRET_PREFIX = "whsec_"  # noqa: S105 - a format marker, not a secret


class WebhookRun(BaseModel):
    """A pipeline run's secret and context, as the provisioner opens it before triggering."""

    model_config = ConfigDict(frozen=True)

    secret: str = Field(repr=False)  # never in a log line
    context: str
    pipeline_id: UUID
    # Set once no callback is awaited any more (the step succeeded, failed or was compensated).
    # The run stays until it expires so that a sender retrying a delivery already accepted is
    # still verified and answered "duplicate"; a new one is refused.
    finished: bool = False


def new_run(pipeline_id: UUID) -> WebhookRun:
    return WebhookRun(
        secret=SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode(),
        context=secrets.token_urlsafe(16),
        pipeline_id=pipeline_id,
    )


def sign_arc(secret: str, body: bytes, context: str, timestamp_ms: int) -> str:
    """ARC-compatible: hex(HMAC-SHA256(secret, body + context + timestamp))."""
    message = body + context.encode() + str(timestamp_ms).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_arc(secret: str, body: bytes, context: str, timestamp_ms: int, signature: str) -> bool:
    # Bytes, not str: compare_digest raises on non-ASCII str, and a header may carry any byte.
    expected = sign_arc(secret, body, context, timestamp_ms).encode()
    return hmac.compare_digest(expected, signature.lower().encode())


def _standard_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign_standard(secret: str, message_id: str, timestamp_s: int, body: bytes) -> str:
    """Standard Webhooks: `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))."""
    signed = f"{message_id}.{timestamp_s}.".encode() + body
    digest = hmac.new(_standard_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_standard(
    secret: str, message_id: str, timestamp_s: int, body: bytes, header: str
) -> bool:
    """True if any of the space-separated signatures (rotation) matches."""
    expected = sign_standard(secret, message_id, timestamp_s, body).encode()
    return any(hmac.compare_digest(expected, candidate.encode()) for candidate in header.split())
