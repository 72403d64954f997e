"""Signing and verifying provisioning callbacks (DESIGN §5), and the per-run secret in Redis.

Pure functions apart from the Redis helpers: the provisioner signs with them (local driver),
webhook-receiver verifies with them, tests forge with them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from redis.asyncio import Redis

SECRET_PREFIX = "whsec_"  # noqa: S105 - a format marker, not a secret


class WebhookRun(BaseModel):
    """What the provisioner stores before triggering a pipeline driver."""

    model_config = ConfigDict(frozen=True)

    secret: str
    context: str
    pipeline_id: UUID
    # Set by the provisioner once no callback is awaited any more (the step succeeded, failed
    # or was compensated). The run stays until its TTL so that a sender retrying a delivery
    # already accepted is still verified and answered "duplicate"; a new one is refused.
    finished: bool = False


def new_run(pipeline_id: UUID) -> WebhookRun:
    return WebhookRun(
        secret=SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode(),
        context=secrets.token_urlsafe(16),
        pipeline_id=pipeline_id,
    )


def run_key(prefix: str, tenant_id: UUID) -> str:
    return f"{prefix}webhook:run:{tenant_id}"


async def store_run(
    redis: Redis, prefix: str, tenant_id: UUID, run: WebhookRun, ttl_seconds: int
) -> None:
    await redis.set(run_key(prefix, tenant_id), run.model_dump_json(), ex=ttl_seconds)


async def load_run(redis: Redis, prefix: str, tenant_id: UUID) -> WebhookRun | None:
    raw = await redis.get(run_key(prefix, tenant_id))
    return WebhookRun.model_validate_json(raw) if raw else None


# Atomic, and only for the run of that pipeline: a newer run of the tenant (a retry) stays open.
_FINISH = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local run = cjson.decode(raw)
if run['pipeline_id'] ~= ARGV[1] then return 0 end
run['finished'] = true
redis.call('SET', KEYS[1], cjson.encode(run), 'KEEPTTL')
return 1
"""


async def finish_run(redis: Redis, prefix: str, tenant_id: UUID, pipeline_id: UUID) -> bool:
    """Mark the pipeline's run finished, keeping it (and its TTL); False if it is not there."""
    done = await redis.eval(_FINISH, 1, run_key(prefix, tenant_id), str(pipeline_id))
    return bool(done)


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
