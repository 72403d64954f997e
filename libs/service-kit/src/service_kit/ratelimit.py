"""Rate limits in Redis: a sliding-window log, checked and recorded by one Lua script.

Each key is a sorted set of the accepted requests' times (Redis server time, so every replica
and process agrees). The script drops entries older than the window, counts the rest, and
either records this request or answers how long until the oldest one leaves the window. The
window is exact: never more than `max_requests` accepted in any `window_seconds`. Refused
requests are not recorded, so a client that keeps knocking is let in again as soon as its
oldest accepted request ages out.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import secrets
from dataclasses import dataclass

import structlog
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import NoScriptError, RedisError

from service_kit.problems import ProblemError, ServiceUnavailable

log = structlog.get_logger(__name__)

RATE_LIMITED = Counter("rate_limited_total", "Requests refused by a rate limit", ["bucket"])
LIMITER_UNAVAILABLE = Counter(
    "rate_limiter_unavailable_total",
    "Rate-limit checks Redis could not answer, by what was done (refused or allowed)",
    ["bucket", "action"],
)

# KEYS[1]: the window's sorted set. ARGV: window in ms, limit, a unique member suffix.
_SLIDING_WINDOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, limit - count - 1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, 0, tonumber(oldest[2]) + window - now}
"""
_SHA = hashlib.sha1(_SLIDING_WINDOW.encode(), usedforsecurity=False).hexdigest()
REDIS_TIMEOUT = 1.0  # seconds: a hung Redis must not hang the request behind it


@dataclass(frozen=True)
class Limit:
    max_requests: int
    window_seconds: float


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    remaining: int
    retry_after: int  # whole seconds, at least 1 when refused


class RateLimited(ProblemError):
    status, title, slug = 429, "Too Many Requests", "rate-limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many requests; retry in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )


class LimiterUnavailable(ServiceUnavailable):
    def __init__(self) -> None:
        super().__init__(
            "Request limits cannot be checked right now; retry shortly.",
            headers={"Retry-After": "5"},
        )


async def hit(redis: Redis, key: str, limit: Limit) -> Verdict:
    """Count one request against `key`; `RedisError`/`TimeoutError` when Redis cannot answer."""
    window_ms = max(1, math.ceil(limit.window_seconds * 1000))
    args = (window_ms, limit.max_requests, secrets.token_hex(8))
    async with asyncio.timeout(REDIS_TIMEOUT):
        try:
            raw = await redis.evalsha(_SHA, 1, key, *args)
        except NoScriptError:
            raw = await redis.eval(_SLIDING_WINDOW, 1, key, *args)
    allowed, remaining, wait_ms = (int(v) for v in raw)
    retry_after = max(1, math.ceil(wait_ms / 1000)) if not allowed else 0
    return Verdict(bool(allowed), remaining, retry_after)


async def enforce(
    redis: Redis | None, bucket: str, key: str, limit: Limit, *, fail_open: bool
) -> None:
    """Raise `RateLimited` (429) past the limit. If Redis is down: let the request through
    when `fail_open`, else raise `LimiterUnavailable` (503)."""
    try:
        if redis is None:
            raise RedisError("no Redis client")
        verdict = await hit(redis, key, limit)
    except (RedisError, OSError, TimeoutError) as exc:
        action = "allowed" if fail_open else "refused"
        LIMITER_UNAVAILABLE.labels(bucket, action).inc()
        log.warning("rate limiter unavailable", bucket=bucket, action=action, error=repr(exc))
        if fail_open:
            return
        raise LimiterUnavailable() from exc
    if not verdict.allowed:
        RATE_LIMITED.labels(bucket).inc()
        raise RateLimited(verdict.retry_after)


def subject_key(subject: str) -> str:
    """A bounded, non-identifying key part for a token subject (it may be an e-mail)."""
    return hashlib.sha256(subject.encode()).hexdigest()[:32]
