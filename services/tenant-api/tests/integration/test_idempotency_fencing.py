"""Idempotency claims are fenced by their token and live for a renewed lease: a command Redis
runs late changes nothing it should not, and a claim nobody holds frees its key within the lease."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from starlette.types import Receive, Scope, Send

from service_kit.redis_client import close_redis, redis_client
from service_kit_testing import TestInfra
from tenant_api.idempotency.middleware import IdempotencyMiddleware
from tenant_api.idempotency.rules import Completed, Pending, decode
from tenant_api.idempotency.store import IdempotencyStore, StoreUnavailable
from tenant_api.settings import TenantApiSettings
from tests.e2e.polling import eventually
from tests.support.redis_sentinel import RedisNode, lone_redis

from .test_idempotency import (  # type: ignore[import-not-found]
    Sql,
    admin,
    gateway,
    gateway_settings,
    idem,
    tenant_body,
    tenants_with_key,
    waiting_setup,
)

ANSWER = Completed("fp", 201, (("content-type", "application/json"),), b"{}")


@pytest.fixture
async def redis(infra: TestInfra) -> AsyncIterator[Redis]:
    client = redis_client(infra.settings(TenantApiSettings))
    try:
        yield client
    finally:
        await close_redis(client)


@pytest.fixture
def lone() -> Iterator[RedisNode]:
    with lone_redis() as node:
        yield node


def store_on(client: Redis, lease: float) -> IdempotencyStore:
    return IdempotencyStore(client, ttl_seconds=60, lease_seconds=lease)


async def test_a_late_command_with_an_old_token_changes_nothing(
    infra: TestInfra, redis: Redis
) -> None:
    store = store_on(redis, 0.3)
    name = infra.redis_prefix("fence") + "key"
    old, new = Pending("fp", uuid.uuid4().hex), Pending("fp", uuid.uuid4().hex)
    assert await store.claim(name, old)
    await eventually(lambda: _gone(redis, name), what="the old claim's lease to lapse")
    assert await store.claim(name, new)

    # What the old holder's requests do when Redis finally runs them:
    assert not await store.complete(name, old, ANSWER)
    assert not await store.renew(name, old)
    await store.release(name, old)

    assert await store.read(name) == new
    assert await store.complete(name, new, ANSWER)
    assert await store.read(name) == ANSWER


async def test_a_claim_that_lands_after_a_frozen_redis_wakes_frees_the_key_within_its_lease(
    lone: RedisNode,
) -> None:
    settings = TenantApiSettings(redis_url=lone.url, redis_socket_timeout=0.5)
    client = redis_client(settings)
    # As the gateway builds it: the lease, not IDEMPOTENCY_LOCK_SECONDS (30 s), bounds a claim.
    store = IdempotencyStore(
        client, ttl_seconds=60, lease_seconds=settings.idempotency_lease_seconds
    )
    late, retry = Pending("fp", "gave-up"), Pending("fp", "retry")
    try:
        assert await store.read("key") is None  # a pooled connection, open before the freeze
        with lone.frozen(), pytest.raises(StoreUnavailable):
            await store.claim("key", late)  # the caller answered 503; Redis still has the SET
        with lone.client() as look:
            landed = look.get("key")
        assert landed is not None
        assert decode(landed) == late

        async def retry_claims() -> bool:
            return await store.claim("key", retry)

        await eventually(retry_claims, what="the retry's claim", timeout=10)
        assert await store.read("key") == retry
    finally:
        await close_redis(client)


async def test_a_request_longer_than_the_lease_keeps_its_claim(
    infra: TestInfra, redis: Redis
) -> None:
    settings = gateway_settings(infra, idempotency_lease_seconds=0.3)
    runs: list[str] = []
    release = asyncio.Event()

    async def slow_app(scope: Scope, receive: Receive, send: Send) -> None:
        runs.append(scope["path"])
        await release.wait()
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})

    async def verify(token: str) -> dict[str, Any]:
        return {"sub": token}

    middleware = IdempotencyMiddleware(
        slow_app, settings=settings, redis=lambda: redis, verify=verify
    )
    transport = httpx.ASGITransport(app=middleware)
    headers = {"Authorization": "Bearer caller", "Idempotency-Key": uuid.uuid4().hex}
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        first = asyncio.create_task(client.post("/slow", content=b"x", headers=headers))
        await eventually(lambda: _true(runs == ["/slow"]), what="the first request running")
        claims = [k async for k in redis.scan_iter(match=f"{settings.redis_key_prefix}*")]
        assert len(claims) == 1
        renewals = await _renewals(redis, claims[0], count=6)  # two leases and more
        assert renewals == 6
        retry = asyncio.create_task(client.post("/slow", content=b"x", headers=headers))
        await eventually(
            lambda: _true(first.done() is False and retry.done() is False),
            what="both requests in flight",
        )
        release.set()
        answers = await asyncio.gather(first, retry)
    assert runs == ["/slow"]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[1].headers["idempotent-replayed"] == "true"


async def test_a_gateway_retry_runs_once_a_dead_holders_claim_lapses(
    infra: TestInfra, migrated: None, sql: Sql
) -> None:
    settings = gateway_settings(infra, idempotency_lease_seconds=0.5)
    assert settings.idempotency_lock_seconds == 30
    key, body = "dead-" + uuid.uuid4().hex, tenant_body()
    # A claim as this gateway takes it, whose holder is gone: nobody renews it.
    redis, _, _, _ = await waiting_setup(
        settings, key, body, hold_seconds=settings.idempotency_lease_seconds
    )
    await redis.aclose()
    async with gateway(settings) as client:
        answer = await client.post("/tenants", json=body, headers=idem(admin(settings), key))
    assert answer.status_code == 201, answer.text
    assert await tenants_with_key(sql, body["key"]) == 1


async def _gone(redis: Redis, name: str) -> bool:
    return not await redis.exists(name)


async def _true(value: bool) -> bool:
    return value


async def _renewals(redis: Redis, name: str, *, count: int) -> int:
    """Watch the claim's PTTL until it has gone up `count` times (each a renewal)."""
    seen, last = 0, await redis.pttl(name)

    async def renewed() -> bool:
        nonlocal seen, last
        now = await redis.pttl(name)
        assert now > 0, "the claim lapsed while its request ran"
        if now > last:
            seen += 1
        last = now
        return seen >= count

    await eventually(renewed, what=f"{count} renewals", timeout=15)
    return seen
