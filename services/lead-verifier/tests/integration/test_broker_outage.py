"""With the broker away, sign-ups are still taken (they wait in the outbox), /readyz says the
broker is not ready, and `lead.created` goes out as soon as the broker is back."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from pydantic import SecretStr

from lead_verifier.app import create_app
from lead_verifier.settings import LeadVerifierSettings
from service_kit_testing import asgi_client, started, tcp_proxy


def signup_body() -> dict[str, Any]:
    return {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "companyName": "Analytical Engines",
        "email": f"ada-{uuid.uuid4().hex[:8]}@engines.example",
        "address": {"address": "1 Loom St", "city": "London", "zip": "N1", "country": "GB"},
    }


@pytest.fixture
async def broker_node(settings: LeadVerifierSettings) -> AsyncIterator[Any]:
    real = urlsplit(settings.rabbitmq_url.get_secret_value())
    async with tcp_proxy(real.hostname or "127.0.0.1", real.port or 5672) as proxy:
        yield proxy


async def test_a_sign_up_during_a_broker_outage_is_taken_and_published_when_it_returns(
    settings: LeadVerifierSettings, migrated: None, broker_node: Any, event_tap: Any
) -> None:
    real = urlsplit(settings.rabbitmq_url.get_secret_value())
    credentials = real.netloc.rpartition("@")[0]
    node = real._replace(netloc=f"{credentials}@127.0.0.1:{broker_node.port}").geturl()
    proxied = settings.model_copy(update={"rabbitmq_urls": SecretStr(node)})
    tap = await event_tap("lead.created")
    async with started(create_app(proxied)) as app, asgi_client(app, "lead-verifier") as client:
        assert (await client.get("/readyz")).status_code == 200

        await broker_node.cut()
        ready = await _poll(client, lambda r: r.status_code == 503)
        assert ready.json()["checks"]["broker"] == "reconnecting"
        assert ready.json()["checks"]["database"] == "ok"

        response = await client.post("/leads", json=signup_body())
        assert response.status_code == 201, response.text
        lead_id = response.json()["id"]

        await broker_node.restore()
        await _poll(client, lambda r: r.status_code == 200)
        events = await tap.wait_for("lead.created", timeout=10)
        assert lead_id in {str(e.data.lead_id) for e in events}


async def _poll(client: Any, condition: Any, *, timeout: float = 10.0) -> Any:
    """/readyz until `condition` holds for its response."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await client.get("/readyz")
        if condition(response):
            return response
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"/readyz never matched; last: {response.text}")
        await asyncio.sleep(0.05)
