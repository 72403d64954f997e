"""The kit's Redis client on private engines: it follows Sentinel across a failover and a kill -9,
survives a restart without failing a command, gives up on a frozen Redis in bounded time, and
`/readyz` calls Redis ready only while it is a writable master."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import TimeoutError as RedisTimeout

from service_kit.redis_client import close_redis, redis_client
from service_kit.runtime import KitRuntime, kit_runtime
from service_kit.settings import ServiceSettings
from tests.support.redis_sentinel import RedisNode, SentinelSet, lone_redis, sentinel_set

Eventually = Any


@pytest.fixture
def sentinels() -> Iterator[SentinelSet]:
    with sentinel_set() as found:
        yield found


@pytest.fixture
def lone() -> Iterator[RedisNode]:
    with lone_redis() as node:
        yield node


def settings(**env: Any) -> ServiceSettings:
    return ServiceSettings(**{k.lower(): v for k, v in env.items()}, redis_socket_timeout=0.5)


@pytest.fixture
async def following(sentinels: SentinelSet) -> AsyncIterator[Redis]:
    client = redis_client(settings(**sentinels.env))
    try:
        yield client
    finally:
        await close_redis(client)


async def served_by(client: Redis) -> int:
    return int((await client.config_get("port"))["port"])


async def lands_on(client: Redis, port: int, value: str) -> bool:
    """One write through the client, and whether it reached the node on `port`."""
    try:
        await client.set("probe", value)
        return await served_by(client) == port
    except Exception:
        return False  # the failover is under way: the caller polls


async def test_writes_follow_a_sentinel_failover(
    sentinels: SentinelSet, following: Redis, eventually: Eventually
) -> None:
    old = sentinels.master_port()
    await following.set("probe", "before")
    assert await served_by(following) == old

    sentinels.failover()
    new = sentinels.replica.port if old == sentinels.master.port else sentinels.master.port
    await eventually(lambda: lands_on(following, new, "after"), timeout=15, what="write on new")

    assert sentinels.master_port() == new
    assert await following.get("probe") == "after"


async def test_writes_come_back_after_the_master_is_killed(
    sentinels: SentinelSet, following: Redis, eventually: Eventually
) -> None:
    await following.set("probe", "before")
    sentinels.master.kill()

    await eventually(
        lambda: lands_on(following, sentinels.replica.port, "after"),
        timeout=20,
        what="a write on the promoted replica",
    )
    assert await following.get("probe") == "after"


async def test_readiness_is_ok_on_the_master_only(
    sentinels: SentinelSet, following: Redis, eventually: Eventually
) -> None:
    on_replica = runtime_on(redis_client(settings(redis_url=sentinels.replica.url)))
    on_master = runtime_on(redis_client(settings(redis_url=sentinels.master.url)))
    through_sentinel = runtime_on(following)
    try:
        assert (await on_replica.readiness())["redis"] == "read-only replica"
        assert (await on_master.readiness())["redis"] == "ok"
        assert (await through_sentinel.readiness())["redis"] == "ok"

        sentinels.failover()
        # The demoted master tells the truth at once it is demoted; the Sentinel client finds
        # the new master.
        await eventually(
            lambda: redis_check(on_master, "read-only replica"), timeout=15, what="demotion"
        )
        await eventually(lambda: redis_check(on_replica, "ok"), timeout=15, what="promotion")
        await eventually(lambda: redis_check(through_sentinel, "ok"), timeout=15, what="follow")
    finally:
        for runtime in (on_replica, on_master):
            assert runtime.redis is not None
            await close_redis(runtime.redis)


async def test_readiness_names_an_unreachable_redis(lone: RedisNode) -> None:
    runtime = runtime_on(redis_client(settings(redis_url=lone.url)))
    assert runtime.redis is not None
    try:
        lone.kill()
        assert (await runtime.readiness())["redis"].startswith("unreachable: ")
    finally:
        await close_redis(runtime.redis)


async def test_a_restart_does_not_fail_the_next_command(lone: RedisNode) -> None:
    client = redis_client(settings(redis_url=lone.url))
    try:
        await client.set("probe", "before")  # the pool now holds a connection
        lone.restart()  # that connection is dead; nothing tells the client
        await client.set("probe", "after")
        assert await client.get("probe") == "after"
    finally:
        await close_redis(client)


async def test_a_frozen_redis_times_out_instead_of_hanging(lone: RedisNode) -> None:
    client = redis_client(settings(redis_url=lone.url))
    try:
        await client.set("probe", "before")
        with lone.frozen(), pytest.raises(RedisTimeout):
            await client.get("probe")
        assert await client.get("probe") == "before"
    finally:
        await close_redis(client)


def runtime_on(client: Redis) -> KitRuntime:
    runtime = kit_runtime(ServiceSettings(), uses_redis=True)
    runtime._redis = client  # readiness asks this client; the runtime is never started
    return runtime


async def redis_check(runtime: KitRuntime, expected: str) -> bool:
    return (await runtime.readiness())["redis"] == expected
