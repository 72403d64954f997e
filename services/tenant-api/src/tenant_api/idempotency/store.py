"""Idempotency records in Redis: claim with SET NX; renew, complete or release only our own claim.

A claim is fenced by its token (`Pending.owner`, unique per request): every later change is a
compare-and-set on it in Lua, so a command Redis runs late (it was frozen, the caller timed out
and moved on) cannot touch a claim taken since. A claim lives for a short lease that its request
renews while it runs; one nobody renews (its process died, or a SET that landed after its caller
gave up) frees the key within the lease instead of blocking retries for the whole lock time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

from tenant_api.idempotency.rules import Completed, Pending, Record, decode, encode

T = TypeVar("T")
REDIS_TIMEOUT = 1.0  # seconds: a hung Redis must not hang the request behind it

# Compare-and-set: a claim that expired and was taken by another request is not ours to change.
_COMPLETE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class StoreUnavailable(Exception):
    """Redis could not answer (or holds something unreadable): no request may run."""


class IdempotencyStore:
    def __init__(self, redis: Redis, *, ttl_seconds: int, lease_seconds: float) -> None:
        self._redis = redis
        self._ttl = ttl_seconds
        self.lease_ms = max(1, round(lease_seconds * 1000))
        self._complete = redis.register_script(_COMPLETE)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    async def claim(self, key: str, claim: Pending) -> bool:
        """Take the key for this request, for one lease; False if taken."""
        raw = encode(claim)
        return bool(await _call(self._redis.set(key, raw, nx=True, px=self.lease_ms)))

    async def renew(self, key: str, claim: Pending) -> bool:
        """Hold our claim one more lease; False if it is no longer ours."""
        return bool(await _call(self._renew(keys=[key], args=[encode(claim), self.lease_ms])))

    async def read(self, key: str) -> Record | None:
        raw = await _call(self._redis.get(key))
        if raw is None:
            return None
        try:
            return decode(str(raw))
        except ValueError as exc:
            raise StoreUnavailable(f"unreadable record at {key}") from exc

    async def complete(self, key: str, claim: Pending, answer: Completed) -> bool:
        """Replace our claim by the answer, kept for the TTL; False if the claim was lost."""
        args = (encode(claim), encode(answer), self._ttl)
        return bool(await _call(self._complete(keys=[key], args=args)))

    async def release(self, key: str, claim: Pending) -> None:
        """Free the key (nothing final happened), unless the claim is no longer ours."""
        await _call(self._release(keys=[key], args=[encode(claim)]))


async def _call(operation: Awaitable[T]) -> T:
    try:
        async with asyncio.timeout(REDIS_TIMEOUT):
            return await operation
    except (RedisError, OSError, TimeoutError) as exc:
        raise StoreUnavailable(repr(exc)) from exc
