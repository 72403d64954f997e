"""The gateway against Redis under Sentinel: keyed writes (rate limit + idempotency record) go on
across a failover, and an answer kept before it is still replayed after."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from service_kit_testing import TestInfra
from tests.e2e.polling import eventually
from tests.support.redis_sentinel import SentinelSet, sentinel_set

from .test_idempotency import (  # type: ignore[import-not-found]
    Sql,
    admin,
    gateway,
    gateway_settings,
    idem,
    tenant_body,
    tenants_with_key,
)


@pytest.fixture
def sentinels() -> Iterator[SentinelSet]:
    with sentinel_set() as found:
        yield found


async def test_keyed_writes_go_on_across_a_failover(
    infra: TestInfra, migrated: None, sql: Sql, sentinels: SentinelSet
) -> None:
    env = {k.lower(): v for k, v in sentinels.env.items()}
    settings = gateway_settings(infra, **env, redis_socket_timeout=0.5)
    headers = admin(settings)
    first_key, first_body = uuid.uuid4().hex, tenant_body()
    async with gateway(settings) as client:
        before = await client.get("/readyz")
        assert before.status_code == 200, before.text
        assert before.json()["checks"]["redis"] == "ok"
        created = await client.post("/tenants", json=first_body, headers=idem(headers, first_key))
        assert created.status_code == 201, created.text

        old = sentinels.master_port()
        sentinels.failover()
        await eventually(lambda: _moved(sentinels, old), what="the sentinels to name a new master")

        body = tenant_body()

        async def written() -> httpx.Response | None:
            answer = await client.post("/tenants", json=body, headers=idem(headers, "after"))
            return answer if answer.status_code == 201 else None

        await eventually(written, what="a keyed write after the failover", timeout=15)
        replayed = await client.post("/tenants", json=first_body, headers=idem(headers, first_key))
        ready = await client.get("/readyz")
    assert replayed.status_code == 201
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json() == created.json()
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["redis"] == "ok"
    assert await tenants_with_key(sql, first_body["key"]) == 1
    assert await tenants_with_key(sql, body["key"]) == 1


async def _moved(sentinels: SentinelSet, old: int) -> bool:
    return sentinels.master_port() != old
