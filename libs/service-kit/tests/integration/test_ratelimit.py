"""The sliding-window limit in real Redis: exact under concurrency, reopening as time passes."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis

from service_kit.ratelimit import Limit, LimiterUnavailable, RateLimited, enforce, hit
from service_kit_testing import TestInfra


def fresh_key(infra: TestInfra) -> str:
    return f"{infra.env['REDIS_KEY_PREFIX']}ratelimit:kit:{uuid.uuid4().hex}"


async def test_concurrent_hits_admit_exactly_the_limit(redis: Redis, infra: TestInfra) -> None:
    key = fresh_key(infra)
    verdicts = await asyncio.gather(*(hit(redis, key, Limit(10, 30)) for _ in range(40)))
    assert sum(v.allowed for v in verdicts) == 10
    refused = [v for v in verdicts if not v.allowed]
    assert all(1 <= v.retry_after <= 30 for v in refused)
    assert await redis.zcard(key) == 10  # refusals are not recorded
    assert 0 < await redis.pttl(key) <= 30_000


async def test_the_window_slides(redis: Redis, infra: TestInfra) -> None:
    key = fresh_key(infra)
    limit = Limit(2, 0.5)
    assert [(await hit(redis, key, limit)).allowed for _ in range(3)] == [True, True, False]
    await asyncio.sleep(0.6)
    assert (await hit(redis, key, limit)).allowed


async def test_enforce_raises_429_or_503(redis: Redis, infra: TestInfra) -> None:
    key = fresh_key(infra)
    await enforce(redis, "kit", key, Limit(1, 30), fail_open=False)
    with pytest.raises(RateLimited) as limited:
        await enforce(redis, "kit", key, Limit(1, 30), fail_open=False)
    assert limited.value.headers is not None
    assert limited.value.headers["Retry-After"].isdigit()

    down = Redis.from_url("redis://127.0.0.1:9/0")
    try:
        with pytest.raises(LimiterUnavailable):
            await enforce(down, "kit", key, Limit(1, 30), fail_open=False)
        await enforce(down, "kit", key, Limit(1, 30), fail_open=True)  # let through
    finally:
        await down.aclose()
