"""Security headers on every gateway answer; CORS only for the configured origins."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from service_kit_testing import TestInfra
from tenant_api.app import create_app
from tenant_api.security import API_CSP

from ..gateway import bearer, gateway_settings  # type: ignore[import-not-found]

ALLOWED = "https://console.example"


@pytest.fixture
async def hardened(infra: TestInfra, migrated: None) -> AsyncIterator[httpx.AsyncClient]:
    settings = gateway_settings(
        infra,
        redis_key_prefix=infra.redis_prefix("hdr"),
        hsts_seconds=31536000,
        cors_allow_origins=f"{ALLOWED}, https://admin.example",
    )
    app: FastAPI = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client


def assert_hardened(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "content-security-policy" in response.headers


async def test_every_answer_carries_the_security_headers(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    answers = [
        await client.get("/healthz"),
        await client.get("/plans", headers=bearer(token("admin"))),
        await client.get("/plans"),  # 401
        await client.get(f"/tenants/{uuid.uuid4()}", headers=bearer(token("admin"))),  # 404
        await client.post("/leads", json={"unexpected": 1}),  # 422
        await client.get("/no-such-route"),
    ]
    for response in answers:
        assert_hardened(response)
        assert response.headers["content-security-policy"] == API_CSP
        assert "strict-transport-security" not in response.headers  # HSTS_SECONDS=0
    authenticated = answers[1:4:2]
    assert all(r.headers["cache-control"] == "no-store" for r in authenticated)
    assert "cache-control" not in answers[0].headers


async def test_the_docs_page_may_load_its_scripts_but_nothing_else(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert_hardened(page)
    csp = page.headers["content-security-policy"]
    assert "script-src 'unsafe-inline' https://cdn.jsdelivr.net" in csp
    assert "frame-ancestors 'none'" in csp


async def test_hsts_when_configured(hardened: httpx.AsyncClient) -> None:
    response = await hardened.get("/healthz")
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def preflight(origin: str) -> dict[str, Any]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


async def test_a_browser_may_send_its_trace_context(hardened: httpx.AsyncClient) -> None:
    headers = {**preflight(ALLOWED), "Access-Control-Request-Headers": "traceparent, tracestate"}
    response = await hardened.options("/tenants", headers=headers)
    assert response.status_code == 200
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "traceparent" in allowed
    assert "tracestate" in allowed


async def test_cors_preflight_is_allowed_for_a_configured_origin(
    hardened: httpx.AsyncClient,
) -> None:
    response = await hardened.options("/tenants", headers=preflight(ALLOWED))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in response.headers
    assert_hardened(response)

    simple = await hardened.get("/healthz", headers={"Origin": ALLOWED})
    assert simple.headers["access-control-allow-origin"] == ALLOWED
    assert "retry-after" in simple.headers["access-control-expose-headers"].lower()


async def test_cors_preflight_is_refused_for_another_origin(hardened: httpx.AsyncClient) -> None:
    response = await hardened.options("/tenants", headers=preflight("https://evil.example"))
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    simple = await hardened.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


async def test_no_cors_at_all_by_default(client: httpx.AsyncClient) -> None:
    response = await client.options("/tenants", headers=preflight(ALLOWED))
    assert "access-control-allow-origin" not in response.headers
    simple = await client.get("/healthz", headers={"Origin": ALLOWED})
    assert "access-control-allow-origin" not in simple.headers
