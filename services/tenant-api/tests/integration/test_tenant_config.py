"""GET /tenants/{id}/config through the Redis cache: every change shows at once, never older.

The acceptance test interleaves 1,000 updates and reads across two gateway replicas.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from service_kit_testing import TestInfra
from tenant_api.app import create_app
from tenant_api.config.cache import ConfigCache
from tenant_api.config.tenant_configs import read_config
from tenant_api.settings import TenantApiSettings

from ..gateway import Token, assert_problem, bearer, gateway_settings, onboard, tokens  # type: ignore[import-not-found]
from ..saga import FakeProvisioner, Sql, eventually, processed  # type: ignore[import-not-found]

Provisioning = Callable[..., Awaitable[FakeProvisioner]]


@pytest.fixture
def settings(infra: TestInfra) -> TenantApiSettings:
    # Two replicas' worth of requests from a handful of subjects: no rate limit in the way.
    return gateway_settings(
        infra,
        public_api_url="https://api.controlplane.test",
        auth_api_max_requests=100_000,
    )


@pytest.fixture
def token(settings: TenantApiSettings) -> Token:
    return tokens(settings)


def cache_reads(source: str) -> float:
    value = REGISTRY.get_sample_value("tenant_config_reads_total", {"source": source})
    return value or 0.0


async def test_config_shows_the_tenant_and_follows_every_change(
    client: httpx.AsyncClient, token: Token, provisioning: Provisioning, sql: Sql
) -> None:
    saga = await provisioning(tier="silo", plan_id="enterprise")
    url = f"/tenants/{saga.tenant_id}/config"
    admin = bearer(token("admin"))

    first = await client.get(url, headers=admin)
    assert first.status_code == 200, first.text
    config = first.json()
    assert config == {
        "tenantId": str(saga.tenant_id),
        "key": config["key"],
        "tier": "silo",
        "planId": "enterprise",
        "plan": (await client.get("/plans/enterprise", headers=admin)).json(),
        "status": "PROVISIONING",
        "domains": ["initech.example"],
        "endpoints": {"appUrl": None, "apiBaseUrl": "https://api.controlplane.test"},
        "featureFlags": {},
        "generation": 1,  # onboarded at 0, provisioned once
    }
    # Read again: this process already rendered generation 1, so neither Redis nor the config
    # query is asked (only the generation lookup).
    hits, cached, loaded = cache_reads("process"), cache_reads("cache"), cache_reads("database")
    assert (await client.get(url, headers=admin)).json() == config
    assert cache_reads("process") == hits + 1
    assert (cache_reads("cache"), cache_reads("database")) == (cached, loaded)

    # A saga handler changes the status: it has no Redis client, yet the next read shows it.
    completed = saga.completed(app_url="https://initech.app.example")
    await saga.publish(completed)
    await processed(sql, "pipeline-outcomes", [completed])
    active = (await client.get(url, headers=admin)).json()
    assert (active["status"], active["generation"]) == ("ACTIVE", 2)
    assert active["endpoints"]["appUrl"] == "https://initech.app.example"

    steps = [
        ("post", f"/tenants/{saga.tenant_id}/suspend", None, "SUSPENDED"),
        ("post", f"/tenants/{saga.tenant_id}/reactivate", None, "ACTIVE"),
        (
            "patch",
            f"/tenants/{saga.tenant_id}",
            {"domains": ["initech.example", "i.example"]},
            None,
        ),
        ("put", f"{url}/feature-flags", {"beta": True, "seats": 25, "theme": "dark"}, None),
    ]
    generation = active["generation"]
    for method, path, body, status in steps:
        answer = await client.request(method.upper(), path, json=body, headers=admin)
        assert answer.status_code < 300, answer.text
        now = (await client.get(url, headers=admin)).json()
        generation += 1
        assert now["generation"] == generation, path
        if status:
            assert now["status"] == status
    assert now["domains"] == ["initech.example", "i.example"]
    assert now["featureFlags"] == {"beta": True, "seats": 25, "theme": "dark"}

    # Renaming is not part of the config: no new generation.
    await client.patch(f"/tenants/{saga.tenant_id}", json={"name": "Renamed"}, headers=admin)
    assert (await client.get(url, headers=admin)).json()["generation"] == generation

    # Offboarding: scheduled, then DEPROVISIONING at once, OFFBOARDED once the provisioner is
    # done; each a new generation.
    assert (await client.delete(f"/tenants/{saga.tenant_id}", headers=admin)).status_code == 202
    assert (await client.get(url, headers=admin)).json()["status"] == "OFFBOARDING_SCHEDULED"
    now = await client.delete(f"/tenants/{saga.tenant_id}", params={"now": "true"}, headers=admin)
    assert now.status_code == 202
    assert (await client.get(url, headers=admin)).json()["status"] == "DEPROVISIONING"
    deprovisioned = saga.deprovisioned()
    await saga.publish(deprovisioned)
    await processed(sql, "offboarding", [deprovisioned])
    final = (await client.get(url, headers=admin)).json()
    assert (final["status"], final["generation"]) == ("OFFBOARDED", generation + 3)


async def test_a_failed_or_cancelled_pipeline_shows_too(
    client: httpx.AsyncClient, token: Token, provisioning: Provisioning, sql: Sql
) -> None:
    admin = bearer(token("admin"))
    failing, cancelling = await provisioning(), await provisioning()
    for saga in (failing, cancelling):
        assert (await client.get(f"/tenants/{saga.tenant_id}/config", headers=admin)).is_success
    failed = failing.failed_pipeline("database", "disk full")
    await failing.publish(failed)
    await client.post(f"/tenants/{cancelling.tenant_id}/cancel", headers=admin)
    cancelled = cancelling.cancelled()
    await cancelling.publish(cancelled)
    await processed(sql, "pipeline-outcomes", [failed, cancelled])
    for saga, status in ((failing, "PROVISION_FAILED"), (cancelling, "CANCELLED")):
        config = (await client.get(f"/tenants/{saga.tenant_id}/config", headers=admin)).json()
        assert config["status"] == status


async def test_an_entry_older_than_the_database_is_never_served(
    client: httpx.AsyncClient,
    token: Token,
    settings: TenantApiSettings,
    redis: Redis,
    sql: Sql,
) -> None:
    tenant = await onboard(client, token)
    url = f"/tenants/{tenant['id']}/config"
    admin = bearer(token("admin"))
    assert (await client.get(url, headers=admin)).json()["featureFlags"] == {}
    key = f"{settings.redis_key_prefix}tenant-config:{tenant['id']}"
    assert await redis.hget(key, "generation") == "0"

    # A change committed by anyone (another replica, a migration, psql) without touching Redis.
    await sql(
        "UPDATE tenant_api.tenants SET feature_flags = '{\"x\": 1}', "
        "config_generation = config_generation + 1 WHERE id = :i",
        i=uuid.UUID(tenant["id"]),
    )
    fresh = (await client.get(url, headers=admin)).json()
    assert (fresh["featureFlags"], fresh["generation"]) == ({"x": 1}, 1)
    assert await redis.hget(key, "generation") == "1"

    # Compare-and-set: an older generation never replaces a newer entry, a newer one does.
    cache = ConfigCache(redis, settings.redis_key_prefix, 60)
    stale = {**fresh, "featureFlags": {"x": 0}}
    assert await cache.put_if_newer(uuid.UUID(tenant["id"]), 0, stale) is False
    assert await cache.put_if_newer(uuid.UUID(tenant["id"]), 1, stale) is False
    assert json.loads(await redis.hget(key, "body") or "{}")["feature_flags"] == {"x": 1}
    assert 0 < await redis.ttl(key) <= settings.tenant_config_cache_ttl

    # Even a forged entry from the past (e.g. Redis restored from an old snapshot) is ignored.
    await redis.hset(key, mapping={"generation": "0", "body": json.dumps({"bogus": True})})
    assert (await client.get(url, headers=admin)).json() == fresh


async def test_without_redis_the_config_comes_from_the_database(
    app: FastAPI, client: httpx.AsyncClient, token: Token
) -> None:
    tenant = await onboard(client, token)
    down = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.2)
    cache = ConfigCache(down, "cp:", 60)
    try:
        async with app.state.runtime.uow() as uow:
            config = await read_config(uuid.UUID(tenant["id"]), uow, cache)
    finally:
        await down.aclose()
    assert (config["key"], config["generation"]) == (tenant["key"], 0)


class PausingCache(ConfigCache):
    """A reader that loaded a config, then stalls before caching it (a GC pause, a slow hop)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.loaded = asyncio.Event()
        self.resume = asyncio.Event()

    async def put_if_newer(self, tenant_id: uuid.UUID, generation: int, config: Any) -> bool:
        self.loaded.set()
        await self.resume.wait()
        return await super().put_if_newer(tenant_id, generation, config)


async def test_a_slow_reader_cannot_cache_a_config_older_than_a_later_write(
    app: FastAPI,
    client: httpx.AsyncClient,
    token: Token,
    settings: TenantApiSettings,
    redis: Redis,
) -> None:
    tenant = await onboard(client, token)
    tenant_id = uuid.UUID(tenant["id"])
    url = f"/tenants/{tenant_id}/config"
    admin = bearer(token("admin"))
    slow = PausingCache(redis, settings.redis_key_prefix, 60)

    async def slow_read() -> dict[str, Any]:
        async with app.state.runtime.uow() as uow:
            return await read_config(tenant_id, uow, slow)

    reader = asyncio.create_task(slow_read())
    await asyncio.wait_for(slow.loaded.wait(), timeout=10)  # it holds generation 0
    written = await client.put(f"{url}/feature-flags", json={"v": 1}, headers=admin)
    assert written.json()["generation"] == 1  # committed, and cached by the writer's read
    slow.resume.set()
    assert (await reader)["generation"] == 0  # it began before the write: that is allowed
    key = f"{settings.redis_key_prefix}tenant-config:{tenant_id}"
    assert await redis.hget(key, "generation") == "1"  # but it did not put 0 back
    assert (await client.get(url, headers=admin)).json()["featureFlags"] == {"v": 1}


@pytest.mark.parametrize(
    "flags",
    [
        {"bad name": True},
        {"": True},
        {"nested": {"a": 1}},
        {"list": [1]},
        {"null": None},
        {"long": "x" * 501},
        {f"f{i}": True for i in range(101)},
        ["beta"],
    ],
)
async def test_invalid_feature_flags_are_422(
    client: httpx.AsyncClient, token: Token, flags: Any
) -> None:
    tenant = await onboard(client, token)
    url = f"/tenants/{tenant['id']}/config/feature-flags"
    response = await client.put(url, json=flags, headers=bearer(token("admin")))
    assert assert_problem(response, 422)["errors"]


async def test_who_sees_and_changes_a_config(client: httpx.AsyncClient, token: Token) -> None:
    tenant, other = await onboard(client, token), await onboard(client, token)
    url = f"/tenants/{tenant['id']}/config"
    flags = {"beta": True}
    own = bearer(token("tenant", tenant_id=tenant["id"]))
    for headers in (own, bearer(token("operator")), bearer(token("admin"))):
        assert (await client.get(url, headers=headers)).status_code == 200
    stranger = bearer(token("tenant", tenant_id=other["id"]))
    assert_problem(await client.get(url, headers=stranger), 404)
    assert_problem(await client.get(url, headers=bearer(token("lead", lead_id=uuid.uuid4()))), 403)
    assert_problem(await client.get(url), 401)
    for headers in (own, stranger, bearer(token("operator"))):
        assert_problem(await client.put(f"{url}/feature-flags", json=flags, headers=headers), 403)
    missing = f"/tenants/{uuid.uuid4()}/config"
    admin = bearer(token("admin"))
    assert_problem(await client.get(missing, headers=admin), 404)
    assert_problem(await client.put(f"{missing}/feature-flags", json=flags, headers=admin), 404)
    # The same flags again change nothing, so the generation stays.
    put = await client.put(f"{url}/feature-flags", json=flags, headers=admin)
    again = await client.put(f"{url}/feature-flags", json=flags, headers=admin)
    assert put.json() == again.json()
    assert put.json()["featureFlags"] == flags
    # `true` and `1` are different values.
    one = await client.put(f"{url}/feature-flags", json={"beta": 1}, headers=admin)
    assert (one.json()["featureFlags"], one.json()["generation"]) == ({"beta": 1}, 2)


WRITES = 200
READERS = 8
READS_EACH = 100  # 200 writes + 800 reads: 1,000 interleaved operations


async def test_no_read_returns_a_superseded_config(
    app: FastAPI,
    client: httpx.AsyncClient,
    settings: TenantApiSettings,
    token: Token,
) -> None:
    """Acceptance: a writer counts a flag up while readers on two replicas read concurrently.

    Each read records the writer's last committed counter before it began (the PUT has
    answered, so its transaction has committed); the value read must never be below it, and
    one reader's successive reads must never go back.
    """
    tenant = await onboard(client, token)
    url = f"/tenants/{tenant['id']}/config"
    admin = bearer(token("admin"))
    replica_app = create_app(settings)  # a second gateway on the same PostgreSQL and Redis
    committed = 0
    seen: list[tuple[int, int]] = []  # (last committed before the read began, value read)
    regressions: list[tuple[int, int]] = []
    hits_before = cache_reads("cache") + cache_reads("process")
    writing = True

    async def writer() -> None:
        nonlocal committed, writing
        for counter in range(1, WRITES + 1):
            response = await client.put(
                f"{url}/feature-flags", json={"counter": counter}, headers=admin
            )
            assert response.status_code == 200, response.text
            assert response.json()["featureFlags"] == {"counter": counter}
            committed = counter
        writing = False

    async def reader(gateway: httpx.AsyncClient) -> None:
        last_generation = -1
        reads = 0
        # At least READS_EACH reads, and on until the writer is done: reads overlap every write.
        while reads < READS_EACH or writing:
            reads += 1
            floor = committed
            response = await gateway.get(url, headers=admin)
            assert response.status_code == 200, response.text
            config = response.json()
            seen.append((floor, config["featureFlags"].get("counter", 0)))
            if config["generation"] < last_generation:
                regressions.append((last_generation, config["generation"]))
            last_generation = config["generation"]

    async with replica_app.router.lifespan_context(replica_app):
        transport = httpx.ASGITransport(app=replica_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://replica") as replica:
            gateways = [client, replica] * (READERS // 2)
            await asyncio.gather(writer(), *(reader(g) for g in gateways))

    assert len(seen) >= READERS * READS_EACH
    superseded = [(floor, value) for floor, value in seen if value < floor]
    assert superseded == [], f"{len(superseded)} reads returned a superseded value"
    assert regressions == []
    # It really interleaved, and the cache really answered some of it.
    assert len({value for _, value in seen}) > WRITES // 4
    assert sum(1 for floor, _ in seen if 0 < floor < WRITES) > len(seen) // 4
    assert cache_reads("cache") + cache_reads("process") > hits_before
    final = await eventually(lambda: client.get(url, headers=admin))
    assert final.json()["featureFlags"] == {"counter": WRITES}
