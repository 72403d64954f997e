"""Scripted attacks on the HTTP front door of the running five services, over real sockets:
forged forwarding headers, chunked bodies past the cap, times UTC cannot hold, open metrics."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis

from service_kit.tokens import mint_token
from service_kit_testing import TestInfra
from tenant_api.settings import TenantApiSettings

from .conftest import Stack

pytestmark = pytest.mark.e2e
PROBLEM = "application/problem+json"
FORGED = (
    {"X-Forwarded-For": "203.0.113.66"},
    {"X-Real-IP": "203.0.113.67"},
    {"Forwarded": "for=203.0.113.68;proto=https"},
)
MAX_BODY_BYTES = 64 * 1024  # the default every service but webhook-receiver runs with here


@pytest.fixture(scope="module")
def admin(infra: TestInfra) -> dict[str, str]:
    settings = infra.settings(TenantApiSettings)
    token = mint_token(settings, role="admin", sub="e2e:attacks", ttl=timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def redis(stack: Stack) -> AsyncIterator[Redis]:
    client = Redis.from_url(stack.env["REDIS_URL"], decode_responses=True)
    yield client
    await client.aclose()


async def sql(stack: Stack, statement: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(stack.database_url.replace("+asyncpg", ""))
    try:
        return list(await conn.fetch(statement, *args))
    finally:
        await conn.close()


def sign_up(email: str) -> dict[str, str]:
    return {"firstName": "Eve", "lastName": "Mallory", "companyName": "Evil", "email": email}


async def chunked(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 64 * 1024):
        yield body[start : start + 64 * 1024]


def padded(document: dict[str, Any], total: int) -> bytes:
    raw = httpx.Request("POST", "/", json=document).content
    return raw + b" " * (total - len(raw))


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["type"] == f"https://controlplane.dev/problems/{slug}"
    assert problem["status"] == status
    return problem


async def test_forged_forwarding_headers_name_nobody(stack: Stack, redis: Redis) -> None:
    prefix = stack.env["REDIS_KEY_PREFIX"]
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=30) as gateway:
        for headers in FORGED:
            email = f"eve+{uuid.uuid4().hex[:8]}@evil.example"
            answer = await gateway.post("/leads", json=sign_up(email), headers=headers)
            assert answer.status_code == 201, answer.text
    # The sign-up limit counted the socket's peer each time, never the invented client.
    public = {key async for key in redis.scan_iter(f"{prefix}ratelimit:public:*")}
    assert f"{prefix}ratelimit:public:127.0.0.1" in public
    assert not [key for key in public if "203.0.113." in key]

    # webhook-receiver: a body naming no tenant is limited per client IP; once that is spent,
    # an invented client does not get a fresh allowance.
    url = stack.url("webhook-receiver")
    async with httpx.AsyncClient(base_url=url, timeout=30) as webhooks:
        for _ in range(200):
            answer = await webhooks.post("/webhooks/provisioning", content=b"{")
            if answer.status_code == 429:
                break
            assert answer.status_code == 401, answer.text
        assert_problem(answer, 429, "rate-limited")
        for headers in FORGED:
            forged = await webhooks.post("/webhooks/provisioning", content=b"{", headers=headers)
            assert_problem(forged, 429, "rate-limited")


async def test_chunked_bodies_past_the_cap_are_413_and_change_nothing(
    stack: Stack, admin: dict[str, str]
) -> None:
    email = f"chunked+{uuid.uuid4().hex[:8]}@evil.example"
    json_type = {"Content-Type": "application/json"}
    big = padded(sign_up(email), 5 * 1024 * 1024)
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=60) as gateway:
        answer = await gateway.post("/leads", content=chunked(big), headers=json_type)
        problem = assert_problem(answer, 413, "too-large")
        assert problem["detail"] == f"Request bodies are limited to {MAX_BODY_BYTES} bytes."

        key = "t" + uuid.uuid4().hex[:12]
        tenant = {
            "key": key,
            "name": "Initech",
            "domains": ["initech.example"],
            "tier": "pooled",
            "contact": {"firstName": "Bill", "lastName": "L", "email": "bill@initech.example"},
        }
        created = await gateway.post("/tenants", json=tenant, headers=admin)
        assert created.status_code == 201, created.text
        url = f"/tenants/{created.json()['id']}"
        rename = padded({"name": "Pwned"}, 5 * 1024 * 1024)
        answer = await gateway.patch(url, content=chunked(rename), headers={**admin, **json_type})
        assert_problem(answer, 413, "too-large")
        after = (await gateway.get(url, headers=admin)).json()
        assert (after["name"], after["updatedAt"]) == ("Initech", created.json()["updatedAt"])

    # The service behind the gateway, called directly: the same cap.
    async with httpx.AsyncClient(base_url=stack.url("lead-verifier"), timeout=60) as verifier:
        answer = await verifier.post("/leads", content=chunked(big), headers=json_type)
        assert_problem(answer, 413, "too-large")
    assert await sql(stack, "SELECT id FROM lead_verifier.leads WHERE email = $1", email) == []


@pytest.mark.parametrize(
    ("path", "params", "fields"),
    [
        ("/tenants", {"createdFrom": "0001-01-01T00:00:00+14:00"}, ["createdFrom"]),
        ("/tenants", {"createdTo": "9999-12-31T23:59:59-14:00"}, ["createdTo"]),
        (
            "/admin/dead-letters",
            {"from": "0001-01-01T00:00:00+14:00", "to": "9999-12-31T23:59:59-14:00"},
            ["from", "to"],
        ),
    ],
)
async def test_times_utc_cannot_hold_are_422_naming_the_field(
    stack: Stack, admin: dict[str, str], path: str, params: dict[str, str], fields: list[str]
) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=30) as gateway:
        answer = await gateway.get(path, params=params, headers=admin)
    problem = assert_problem(answer, 422, "validation")
    assert sorted(e["loc"][-1] for e in problem["errors"]) == sorted(fields)


@pytest.mark.parametrize("service", ["tenant-api", "webhook-receiver"])
async def test_metrics_are_not_for_the_public(stack: Stack, service: str) -> None:
    async with httpx.AsyncClient(base_url=stack.url(service), timeout=30) as client:
        local = await client.get("/metrics")
        assert local.status_code == 200
        assert "http_requests_total" in local.text
        # What a request relayed by a proxy on this machine looks like: not this machine.
        for headers in FORGED:
            relayed = await client.get("/metrics", headers=headers)
            assert_problem(relayed, 403, "forbidden")
            assert "http_requests_total" not in relayed.text
