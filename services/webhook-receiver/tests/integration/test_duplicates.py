"""A delivery seen before answers 200 and changes nothing: one event, however often it comes."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from service_kit.webhooks import WebhookRun
from service_kit_testing import SqlRunner
from webhook_receiver.adapters.nonces import nonce_key
from webhook_receiver.settings import WebhookReceiverSettings

from ..conftest import Callback, NewCallback, Sign, arc_headers, standard_headers  # type: ignore[import-not-found]


async def outcomes(sql: SqlRunner, tenant_id: uuid.UUID) -> list[str]:
    rows = await sql(
        "SELECT outcome FROM webhook_receiver.deliveries WHERE tenant_id = :t ORDER BY outcome",
        t=tenant_id,
    )
    return [row.outcome for row in rows]


async def events_for(
    tap: Any, tenant_id: uuid.UUID, client: httpx.AsyncClient, new_callback: NewCallback
) -> list[Any]:
    """This tenant's events, once a later delivery's event has arrived (the relay keeps order)."""
    marker = await new_callback(arc_headers)
    response = await marker.post(client, "/webhook")
    assert response.status_code == 202
    await tap.wait_for("webhook.received", count=1)
    deadline = asyncio.get_running_loop().time() + 10
    while not any(e.tenant_id == marker.tenant_id for e in tap.received):
        assert asyncio.get_running_loop().time() < deadline, "marker event never arrived"
        await asyncio.sleep(0.05)
    return [e for e in tap.received if e.tenant_id == tenant_id]


@pytest.mark.parametrize("sign", [arc_headers, standard_headers], ids=["arc", "standard"])
async def test_the_same_delivery_twice_is_one_event(
    client: httpx.AsyncClient,
    event_tap: Any,
    new_callback: NewCallback,
    sql: SqlRunner,
    sign: Sign,
) -> None:
    tap = await event_tap("webhook.received")
    callback = await new_callback(sign)

    first = await callback.post(client)
    second = await callback.post(client)

    assert first.status_code == 202, first.text
    assert second.status_code == 200, second.text
    assert second.json() == {"status": "duplicate"}
    assert len(await events_for(tap, callback.tenant_id, client, new_callback)) == 1
    assert await outcomes(sql, callback.tenant_id) == ["accepted", "duplicate"]


class Nonces:
    """The receiver's claims on Standard Webhooks message ids, in Redis, as a test alters them."""

    def __init__(self, redis: Redis, settings: WebhookReceiverSettings) -> None:
        self.redis = redis
        self.prefix = settings.redis_key_prefix

    def key(self, callback: Callback) -> str:
        return nonce_key(self.prefix, callback.tenant_id, callback.headers["webhook-id"])

    async def forget(self, callback: Callback) -> None:
        """As a Redis that lost its data (a restart, an eviction) has forgotten it."""
        await self.redis.delete(self.key(callback))

    async def claim(self, callback: Callback) -> None:
        """As a replica does that then dies before it commits the receipt."""
        await self.redis.set(self.key(callback), str(uuid.uuid4()), ex=60)


@pytest.fixture
def nonces(redis: Redis, settings: WebhookReceiverSettings) -> Nonces:
    return Nonces(redis, settings)


async def test_a_redelivery_is_a_duplicate_even_after_redis_forgot(
    client: httpx.AsyncClient, new_callback: NewCallback, sql: SqlRunner, nonces: Nonces
) -> None:
    callback = await new_callback(standard_headers)
    assert (await callback.post(client, "/webhook")).status_code == 202
    await nonces.forget(callback)

    again = await callback.post(client, "/webhook")

    assert again.status_code == 200
    assert await outcomes(sql, callback.tenant_id) == ["accepted", "duplicate"]


async def test_a_claim_without_a_receipt_does_not_lose_the_delivery(
    client: httpx.AsyncClient, new_callback: NewCallback, sql: SqlRunner, nonces: Nonces
) -> None:
    """A replica that claimed the nonce and crashed before committing must not swallow it."""
    callback = await new_callback(standard_headers)
    await nonces.claim(callback)

    response = await callback.post(client, "/webhook")

    assert response.status_code == 202, response.text
    assert await outcomes(sql, callback.tenant_id) == ["accepted"]


async def test_concurrent_redeliveries_accept_exactly_one(
    client: httpx.AsyncClient, event_tap: Any, new_callback: NewCallback, sql: SqlRunner
) -> None:
    tap = await event_tap("webhook.received")
    callback = await new_callback(arc_headers)

    answers = await asyncio.gather(*(callback.post(client) for _ in range(6)))

    assert sorted(a.status_code for a in answers) == [200] * 5 + [202]
    assert len(await events_for(tap, callback.tenant_id, client, new_callback)) == 1
    assert await outcomes(sql, callback.tenant_id) == ["accepted"] + ["duplicate"] * 5


async def test_the_same_id_for_another_tenant_is_not_a_duplicate(
    client: httpx.AsyncClient, new_callback: NewCallback
) -> None:
    def shared_id(run: WebhookRun, body: bytes) -> dict[str, str]:
        return standard_headers(run, body, message_id="msg_shared_by_two_senders")

    for _ in range(2):
        response = await (await new_callback(shared_id)).post(client, "/webhook")
        assert response.status_code == 202, response.text
