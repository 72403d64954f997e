"""webhook-receiver behind a real uvicorn server, as `python -m webhook_receiver` serves it: the
per-IP limit keys on the socket peer, and bodies are capped whatever their framing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from service_kit.webhooks import new_run
from service_kit_testing import SqlRunner, TestInfra, chunked, served_client
from webhook_receiver.app import create_app

from ..conftest import arc_headers, callback_body, record_run  # type: ignore[import-not-found]
from .test_callbacks import outbox_events, receipt, traced
from .test_rate_limit import limited

PROBLEM = "application/problem+json"
FORGED = (
    {"X-Forwarded-For": "203.0.113.10"},
    {"X-Real-IP": "203.0.113.12"},
    {"Forwarded": "for=203.0.113.13"},
)


def assert_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == "https://controlplane.dev/problems/rate-limited"


async def test_forwarding_headers_change_nobody_without_trusted_proxies(
    infra: TestInfra, migrated: None
) -> None:
    settings = limited(infra, webhook_window_seconds=60)
    async with served_client(create_app(settings)) as client:
        for _ in range(3):
            answer = await client.post("/webhooks/provisioning", content=b"{")
            assert answer.status_code == 401, answer.text
        assert_limited(await client.post("/webhooks/provisioning", content=b"{"))
        for headers in FORGED:
            assert_limited(await client.post("/webhook", content=b"{", headers=headers))


async def test_a_trusted_proxy_names_the_sender(infra: TestInfra, migrated: None) -> None:
    settings = limited(
        infra, webhook_max_per_window=1, webhook_window_seconds=60, trusted_proxies="127.0.0.1"
    )
    async with served_client(create_app(settings)) as client:
        for ip in ("198.51.100.1", "198.51.100.2"):
            xff = {"X-Forwarded-For": ip}
            first = await client.post("/webhook", content=b"{", headers=xff)
            assert first.status_code == 401, first.text
            assert_limited(await client.post("/webhook", content=b"{", headers=xff))


async def test_chunked_bodies_are_capped_and_oversized_callbacks_recorded(
    infra: TestInfra, migrated: None, sql: SqlRunner
) -> None:
    settings = limited(infra, webhook_max_per_window=100)
    tenant_id, run = uuid.uuid4(), new_run(uuid.uuid4())
    await record_run(settings, tenant_id, run)
    payload: dict[str, Any] = json.loads(callback_body(tenant_id))
    payload["data"]["resources"] = [{"pad": "x" * 1000} for _ in range(70)]
    body = json.dumps(payload).encode()
    assert settings.webhook_max_bytes < len(body) < settings.max_body_bytes
    async with served_client(create_app(settings)) as client:
        headers, request_id = traced(arc_headers(run, body))
        answer = await client.post("/webhooks/provisioning", content=chunked(body), headers=headers)
        assert answer.status_code == 413, answer.text
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["detail"] == (
            f"Webhook bodies are limited to {settings.webhook_max_bytes} bytes."
        )
        row = await receipt(sql, request_id)
        assert (row.outcome, row.reason, row.body_sha256) == ("rejected", "too_large", None)

        # Past MAX_BODY_BYTES the kit refuses it before any route: no receipt for a flood.
        huge = body + b" " * settings.max_body_bytes
        headers, request_id = traced(arc_headers(run, huge))
        answer = await client.post("/webhooks/provisioning", content=chunked(huge), headers=headers)
        assert answer.status_code == 413, answer.text
        assert answer.json()["type"] == "https://controlplane.dev/problems/too-large"
        assert answer.json()["detail"] == (
            f"Request bodies are limited to {settings.max_body_bytes} bytes."
        )
        rows = await sql(
            "SELECT count(*) AS n FROM webhook_receiver.deliveries"
            " WHERE headers->>'x-request-id' = :r",
            r=request_id,
        )
        assert rows[0].n == 0
    assert await outbox_events(sql, tenant_id) == 0
