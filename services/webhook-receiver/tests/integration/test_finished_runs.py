"""A run that no longer waits accepts no new delivery, and still knows the ones it accepted."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from redis.asyncio import Redis

from service_kit.webhooks import WebhookRun, finish_run, load_run
from webhook_receiver.settings import WebhookReceiverSettings

from ..conftest import arc_headers, callback_body, standard_headers  # type: ignore[import-not-found]
from .test_duplicates import events_for  # type: ignore[import-not-found]

OpenRun = Callable[[], Awaitable[tuple[uuid.UUID, WebhookRun]]]
Sql = Callable[..., Awaitable[list[Any]]]


async def test_a_finished_run_answers_duplicates_and_refuses_new_deliveries(
    client: httpx.AsyncClient,
    event_tap: Any,
    open_run: OpenRun,
    sql: Sql,
    redis: Redis,
    settings: WebhookReceiverSettings,
) -> None:
    tap = await event_tap("webhook.received")
    tenant_id, run = await open_run()
    body = callback_body(tenant_id)
    accepted_headers = standard_headers(run, body)
    accepted = await client.post("/webhooks/provisioning", content=body, headers=accepted_headers)
    assert accepted.status_code == 202, accepted.text
    # The provisioner's step completed: the run stays, marked finished.
    assert await finish_run(redis, settings.redis_key_prefix, tenant_id, run.pipeline_id)
    kept = await load_run(redis, settings.redis_key_prefix, tenant_id)
    assert kept == run.model_copy(update={"finished": True})

    again = await client.post("/webhooks/provisioning", content=body, headers=accepted_headers)
    fresh_body = callback_body(tenant_id, status=0)
    fresh = await client.post("/webhook", content=fresh_body, headers=arc_headers(run, fresh_body))

    assert again.status_code == 200, again.text
    assert again.json() == {"status": "duplicate"}
    assert fresh.status_code == 401, fresh.text
    assert fresh.headers["content-type"] == "application/problem+json"
    problem = fresh.json()
    assert (problem["status"], problem["title"]) == (401, "Unauthorized")
    assert problem["type"]
    assert problem["detail"]
    assert "run_finished" not in fresh.text  # the reason is kept for operators, not told
    rows = await sql(
        "SELECT outcome, reason, pipeline_id FROM webhook_receiver.deliveries"
        " WHERE tenant_id = :t ORDER BY received_at",
        t=tenant_id,
    )
    assert [(r.outcome, r.reason, r.pipeline_id) for r in rows] == [
        ("accepted", None, run.pipeline_id),
        ("duplicate", None, run.pipeline_id),
        ("rejected", "run_finished", run.pipeline_id),
    ]
    events = await events_for(tap, tenant_id, client, open_run)
    assert [e.data.delivery_id for e in events] == [uuid.UUID(accepted.json()["deliveryId"])]


async def test_finishing_leaves_a_newer_run_of_the_tenant_open(
    open_run: OpenRun, redis: Redis, settings: WebhookReceiverSettings
) -> None:
    tenant_id, run = await open_run()
    assert not await finish_run(redis, settings.redis_key_prefix, tenant_id, uuid.uuid4())
    assert await load_run(redis, settings.redis_key_prefix, tenant_id) == run
    ttl = await redis.ttl(f"{settings.redis_key_prefix}webhook:run:{tenant_id}")
    assert await finish_run(redis, settings.redis_key_prefix, tenant_id, run.pipeline_id)
    assert 0 < await redis.ttl(f"{settings.redis_key_prefix}webhook:run:{tenant_id}") <= ttl
