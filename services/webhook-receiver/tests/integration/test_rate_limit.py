"""Per-sender rate limit on the callback routes: the claimed tenant, else the client IP."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from service_kit.webhooks import new_run
from service_kit_testing import SqlRunner, TestInfra, asgi_client, started
from webhook_receiver.app import create_app
from webhook_receiver.settings import WebhookReceiverSettings

from ..conftest import arc_headers, callback_body, record_run  # type: ignore[import-not-found]


def limited(infra: TestInfra, **overrides: Any) -> WebhookReceiverSettings:
    values: dict[str, Any] = {
        "redis_key_prefix": infra.redis_prefix("whrl"),
        "webhook_max_per_window": 3,
        "webhook_window_seconds": 2,
        **overrides,
    }
    settings: WebhookReceiverSettings = infra.settings(WebhookReceiverSettings, **values)
    return settings


@asynccontextmanager
async def receiver(settings: WebhookReceiverSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with started(create_app(settings)) as app, asgi_client(app, "webhooks") as client:
        yield client


async def test_a_sender_is_limited_per_claimed_tenant_and_reset_after_the_window(
    infra: TestInfra, migrated: None, sql: SqlRunner
) -> None:
    settings = limited(infra)
    tenant_id, run = uuid.uuid4(), new_run(uuid.uuid4())
    await record_run(settings, tenant_id, run)
    async with receiver(settings) as client:

        async def send(tenant: uuid.UUID) -> httpx.Response:
            body = callback_body(tenant)
            return await client.post("/webhook", content=body, headers=arc_headers(run, body))

        answers = [(await send(tenant_id)).status_code for _ in range(3)]
        assert answers[0] == 202
        assert set(answers[1:]) <= {200, 202}  # the same callback again is a duplicate
        refused = await send(tenant_id)
        assert refused.status_code == 429, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert 1 <= int(refused.headers["retry-after"]) <= 2
        assert (await send(uuid.uuid4())).status_code == 401  # another tenant is not limited

        stored = await sql(
            "SELECT count(*) AS n FROM webhook_receiver.deliveries WHERE tenant_id = :t",
            t=tenant_id,
        )
        assert stored[0].n == 3  # a refused delivery is not stored

        await asyncio.sleep(int(refused.headers["retry-after"]) + 0.1)
        assert (await send(tenant_id)).status_code in {200, 202}


async def test_a_body_without_a_tenant_is_limited_per_client_ip(
    infra: TestInfra, migrated: None
) -> None:
    settings = limited(infra, webhook_window_seconds=30)
    async with receiver(settings) as client:
        garbage = [await client.post("/webhooks/provisioning", content=b"{") for _ in range(3)]
        assert all(r.status_code != 429 for r in garbage)
        assert (await client.post("/webhooks/provisioning", content=b"[]")).status_code == 429
        claimed = callback_body(uuid.uuid4())
        assert (await client.post("/webhooks/provisioning", content=claimed)).status_code == 401


async def test_without_redis_callbacks_are_refused_with_503(
    infra: TestInfra, migrated: None
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = limited(infra, redis_url=f"redis://127.0.0.1:{port}/0")
    async with receiver(settings) as client:
        response = await client.post("/webhook", content=callback_body(uuid.uuid4()))
    assert response.status_code == 503
    assert response.headers["retry-after"].isdigit()
