"""The gateway behind a real uvicorn server, as `python -m tenant_api` serves it: who the client
is (forwarding headers believed only from TRUSTED_PROXIES) and the body cap whatever the framing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from service_kit_testing import TestInfra, served
from tenant_api.app import create_app
from tenant_api.settings import TenantApiSettings

from ..gateway import bearer  # type: ignore[import-not-found]
from .test_rate_limits import SIGN_UP, assert_limited, limited, token_for

PROBLEM = "application/problem+json"
FORGED = (
    {"X-Forwarded-For": "203.0.113.10"},
    {"X-Forwarded-For": "203.0.113.11, 127.0.0.1"},
    {"X-Real-IP": "203.0.113.12"},
    {"Forwarded": "for=203.0.113.13;proto=https"},
)


@asynccontextmanager
async def real_gateway(settings: TenantApiSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with served(create_app(settings)) as url, httpx.AsyncClient(base_url=url) as client:
        yield client


async def chunked(body: bytes, size: int = 16 * 1024) -> AsyncIterator[bytes]:
    """A body sent as `Transfer-Encoding: chunked`: httpx sends no Content-Length for it."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def padded(document: dict[str, Any], total: int) -> bytes:
    """Valid JSON of `total` bytes: the document followed by whitespace."""
    raw = httpx.Request("POST", "/", json=document).content
    return raw + b" " * (total - len(raw))


def assert_too_large(response: httpx.Response, limit: int) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "https://controlplane.dev/problems/too-large"
    assert problem["status"] == 413
    assert problem["detail"] == f"Request bodies are limited to {limit} bytes."
    # A refused body is answered like any other request: traced, and under the gateway's policy.
    assert response.headers["x-request-id"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


async def test_forwarding_headers_change_nobody_without_trusted_proxies(
    infra: TestInfra, migrated: None
) -> None:
    settings = limited(infra, public_api_max_attempts=2, public_api_window_seconds=60)
    async with real_gateway(settings) as client:
        for _ in range(2):  # through the limiter, to the unreachable lead-verifier
            assert (await client.post("/leads", json=SIGN_UP)).status_code == 503
        assert_limited(await client.post("/leads", json=SIGN_UP), 60)
        for headers in FORGED:
            answer = await client.post("/leads", json=SIGN_UP, headers=headers)
            assert_limited(answer, 60)


async def test_a_trusted_proxy_names_the_client_in_x_forwarded_for_only(
    infra: TestInfra, migrated: None
) -> None:
    settings = limited(
        infra,
        public_api_max_attempts=1,
        public_api_window_seconds=60,
        trusted_proxies="127.0.0.1",
    )
    async with real_gateway(settings) as client:
        for ip in ("198.51.100.1", "198.51.100.2"):
            xff = {"X-Forwarded-For": f"203.0.113.9, {ip}"}  # the left part is forgeable
            assert (await client.post("/leads", json=SIGN_UP, headers=xff)).status_code == 503
            assert_limited(await client.post("/leads", json=SIGN_UP, headers=xff), 60)
        # `X-Real-IP` and `Forwarded` are not read even from a trusted proxy: the proxy itself
        # is the client, once for both.
        real_ip = {"X-Real-IP": "198.51.100.3"}
        assert (await client.post("/leads", json=SIGN_UP, headers=real_ip)).status_code == 503
        forwarded = {"Forwarded": "for=198.51.100.4"}
        assert_limited(await client.post("/leads", json=SIGN_UP, headers=forwarded), 60)


async def test_chunked_bodies_over_the_cap_are_413_and_change_nothing(
    infra: TestInfra, migrated: None
) -> None:
    settings = limited(infra, public_api_max_attempts=100, auth_api_max_requests=100)
    limit = settings.max_body_bytes
    admin = bearer(token_for(settings))
    key = "t" + uuid.uuid4().hex[:12]
    onboarding = {
        "key": key,
        "name": "Initech",
        "domains": ["initech.example"],
        "tier": "pooled",
        "contact": {"firstName": "Bill", "lastName": "Lumbergh", "email": "bill@initech.example"},
    }
    async with real_gateway(settings) as client:
        created = await client.post("/tenants", json=onboarding, headers=admin)
        assert created.status_code == 201, created.text
        tenant = created.json()

        sign_up = padded(SIGN_UP, 5 * 1024 * 1024)
        answer = await client.post("/leads", content=chunked(sign_up), headers=_json())
        assert_too_large(answer, limit)

        rename = padded({"name": "Initrode"}, limit + 1)
        for extra in ({}, {"Idempotency-Key": uuid.uuid4().hex}):
            answer = await client.patch(
                f"/tenants/{tenant['id']}",
                content=chunked(rename),
                headers={**admin, **_json(), **extra},
            )
            assert_too_large(answer, limit)
        again = await client.get(f"/tenants/{tenant['id']}", headers=admin)
        assert again.json()["name"] == "Initech"
        assert again.json()["updatedAt"] == tenant["updatedAt"]

        # Twice the limit in a new tenant: not onboarded.
        other = {**onboarding, "key": "t" + uuid.uuid4().hex[:12]}
        answer = await client.post(
            "/tenants", content=chunked(padded(other, 2 * limit)), headers={**admin, **_json()}
        )
        assert_too_large(answer, limit)
        listed = await client.get("/tenants", params={"keyPrefix": other["key"]}, headers=admin)
        assert listed.status_code == 200, listed.text
        assert [t["key"] for t in listed.json()["items"]] == []

        # At the limit, chunked, the same rename goes through.
        fits = padded({"name": "Initrode"}, limit)
        renamed = await client.patch(
            f"/tenants/{tenant['id']}", content=chunked(fits), headers={**admin, **_json()}
        )
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["name"] == "Initrode"


def _json() -> dict[str, str]:
    return {"Content-Type": "application/json"}
