"""Sending a signed callback to webhook-receiver until it is settled: delivered, refused for
good, no longer awaited, or past the step's deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import structlog

from provisioner.adapters.callback_answers import Verdict, judge
from service_kit.webhooks import WebhookRun, sign_arc

log = structlog.get_logger(__name__)
MAX_BACKOFF = 10.0


async def send_until_settled(
    client: httpx.AsyncClient,
    url: str,
    run: WebhookRun,
    body: bytes,
    stamp: int,
    deadline: datetime,
    *,
    still_awaited: Callable[[], Awaitable[bool]],
) -> None:
    """Every send is the same signed delivery, so the receiver accepts it once."""
    headers = {
        "content-type": "application/json",
        "x-timestamp": str(stamp),
        "x-signature": sign_arc(run.secret, body, run.context, stamp),
    }
    attempt = 0
    while True:
        attempt += 1
        try:
            response = await client.post(url, content=body, headers=headers)
        except httpx.TransportError as exc:
            verdict, why = Verdict.RETRY, repr(exc)
        else:
            verdict, why = judge(response)
        if verdict is Verdict.DELIVERED:
            log.info("callback sent", status=response.status_code, attempt=attempt)
            return
        if verdict is Verdict.REFUSED:
            log.error("callback refused for good", refusal=why, attempt=attempt)
            return
        pause = min(0.25 * 2**attempt, MAX_BACKOFF)
        if datetime.now(UTC) + timedelta(seconds=pause) >= deadline:
            log.error("callback gave up at the step's deadline", refusal=why, attempt=attempt)
            return
        log.warning("callback not taken; retrying", refusal=why, attempt=attempt)
        await asyncio.sleep(pause)
        if not await still_awaited():
            log.info("callback no longer awaited; stopped retrying", attempt=attempt)
            return
