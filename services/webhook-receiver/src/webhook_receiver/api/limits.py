"""Per-sender rate limit on the callback routes (WEBHOOK_MAX_PER_WINDOW per window).

The sender is the tenant the body claims (`initiatorId`), else the client IP: a pipeline that
loops on one tenant is slowed down without touching the others. The claim is not verified yet
(that needs the run's secret), so a forger can spend a tenant's allowance; the real sender then
gets 429 with `Retry-After` and retries later, as webhook senders do. Without Redis nothing can
be verified anyway, so the limit fails closed (503 with `Retry-After`). Refused deliveries are
counted in metrics, not stored as receipts: a flood must not become a flood of rows.
"""

from __future__ import annotations

import json
from uuid import UUID

from fastapi import Depends, Request

from service_kit.body_limit import read_capped
from service_kit.client_ip import client_ip
from service_kit.ratelimit import Limit, enforce
from webhook_receiver.deps import RuntimeDep


def claimed_tenant(body: bytes | None) -> UUID | None:
    """The body's `initiatorId` when it is a UUID; None for anything else."""
    if not body:
        return None
    try:
        payload = json.loads(body)
        return UUID(str(payload["initiatorId"])) if isinstance(payload, dict) else None
    except (ValueError, KeyError, TypeError, RecursionError):
        return None


async def per_sender(request: Request, runtime: RuntimeDep) -> None:
    settings = runtime.settings
    raw = await read_capped(request, settings.webhook_max_bytes)
    tenant_id = claimed_tenant(raw.body)
    sender = (
        f"tenant:{tenant_id}" if tenant_id else f"ip:{client_ip(request, settings.trusted_proxies)}"
    )
    limit = Limit(settings.webhook_max_per_window, settings.webhook_window_seconds)
    key = f"{settings.redis_key_prefix}ratelimit:webhook:{sender}"
    await enforce(runtime.redis, "webhook", key, limit, fail_open=False)


SenderLimit = Depends(per_sender)
