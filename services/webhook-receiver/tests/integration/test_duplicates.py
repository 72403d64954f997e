"""A delivery seen before answers 200 and changes nothing: one event, however often it comes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from service_kit.webhooks import WebhookRun
from webhook_receiver.adapters.nonces import nonce_key
from webhook_receiver.settings import WebhookReceiverSettings

from ..conftest import arc_headers, callback_body, standard_headers  # type: ignore[import-not-found]

OpenRun = Callable[[], Awaitable[tuple[uuid.UUID, WebhookRun]]]
Sql = Callable[..., Awaitable[list[Any]]]
Sign = Callable[[WebhookRun, bytes], dict[str, str]]


async def outcomes(sql: Sql, tenant_id: uuid.UUID) -> list[str]:
    rows = await sql(
        "SELECT outcome FROM webhook_receiver.deliveries WHERE tenant_id = :t ORDER BY outcome",
        t=tenant_id,
    )
    return [row.outcome for row in rows]


async def events_for(
    tap: Any, tenant_id: uuid.UUID, client: httpx.AsyncClient, open_run: OpenRun
) -> list[Any]:
    """This tenant's events, once a later delivery's event has arrived (the relay keeps order)."""
    marker_tenant, marker_run = await open_run()
    body = callback_body(marker_tenant)
    response = await client.post("/webhook", content=body, headers=arc_headers(marker_run, body))
    assert response.status_code == 202
    await tap.wait_for("webhook.received", count=1)
    deadline = asyncio.get_running_loop().time() + 10
    while not any(e.tenant_id == marker_tenant for e in tap.received):
        assert asyncio.get_running_loop().time() < deadline, "marker event never arrived"
        await asyncio.sleep(0.05)
    return [e for e in tap.received if e.tenant_id == tenant_id]


@pytest.mark.parametrize("sign", [arc_headers, standard_headers], ids=["arc", "standard"])
async def test_the_same_delivery_twice_is_one_event(
    client: httpx.AsyncClient, event_tap: Any, open_run: OpenRun, sql: Sql, sign: Sign
) -> None:
    tap = await event_tap("webhook.received")
    tenant_id, run = await open_run()
    body = callback_body(tenant_id)
    headers = sign(run, body)

    first = await client.post("/webhooks/provisioning", content=body, headers=headers)
    second = await client.post("/webhooks/provisioning", content=body, headers=headers)

    assert first.status_code == 202, first.text
    assert second.status_code == 200, second.text
    assert second.json() == {"status": "duplicate"}
    assert len(await events_for(tap, tenant_id, client, open_run)) == 1
    assert await outcomes(sql, tenant_id) == ["accepted", "duplicate"]


async def test_a_redelivery_is_a_duplicate_even_after_redis_forgot(
    client: httpx.AsyncClient,
    open_run: OpenRun,
    sql: Sql,
    redis: Redis,
    settings: WebhookReceiverSettings,
) -> None:
    tenant_id, run = await open_run()
    body = callback_body(tenant_id)
    headers = standard_headers(run, body)
    assert (await client.post("/webhook", content=body, headers=headers)).status_code == 202
    await redis.delete(nonce_key(settings.redis_key_prefix, tenant_id, headers["webhook-id"]))

    again = await client.post("/webhook", content=body, headers=headers)

    assert again.status_code == 200
    assert await outcomes(sql, tenant_id) == ["accepted", "duplicate"]


async def test_a_claim_without_a_receipt_does_not_lose_the_delivery(
    client: httpx.AsyncClient,
    open_run: OpenRun,
    sql: Sql,
    redis: Redis,
    settings: WebhookReceiverSettings,
) -> None:
    """A replica that claimed the nonce and crashed before committing must not swallow it."""
    tenant_id, run = await open_run()
    body = callback_body(tenant_id)
    headers = standard_headers(run, body)
    key = nonce_key(settings.redis_key_prefix, tenant_id, headers["webhook-id"])
    await redis.set(key, str(uuid.uuid4()), ex=60)

    response = await client.post("/webhook", content=body, headers=headers)

    assert response.status_code == 202, response.text
    assert await outcomes(sql, tenant_id) == ["accepted"]


async def test_concurrent_redeliveries_accept_exactly_one(
    client: httpx.AsyncClient, event_tap: Any, open_run: OpenRun, sql: Sql
) -> None:
    tap = await event_tap("webhook.received")
    tenant_id, run = await open_run()
    body = callback_body(tenant_id)
    headers = arc_headers(run, body)

    answers = await asyncio.gather(
        *(client.post("/webhooks/provisioning", content=body, headers=headers) for _ in range(6))
    )

    assert sorted(a.status_code for a in answers) == [200] * 5 + [202]
    assert len(await events_for(tap, tenant_id, client, open_run)) == 1
    assert await outcomes(sql, tenant_id) == ["accepted"] + ["duplicate"] * 5


async def test_the_same_id_for_another_tenant_is_not_a_duplicate(
    client: httpx.AsyncClient, open_run: OpenRun
) -> None:
    for _ in range(2):
        tenant_id, run = await open_run()
        body = callback_body(tenant_id)
        headers = standard_headers(run, body, message_id="msg_shared_by_two_senders")
        response = await client.post("/webhook", content=body, headers=headers)
        assert response.status_code == 202, response.text
