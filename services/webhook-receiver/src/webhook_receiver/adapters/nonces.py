"""Replay nonces in Redis: the fast, shared first look at "seen this delivery before?".

Only a first look: PostgreSQL's unique index on accepted receipts has the last word. So when
Redis cannot answer, a delivery is treated as "maybe seen" and the receipts decide, at the cost
of one more query, instead of the sender getting a 500 it would retry.
"""

from __future__ import annotations

import asyncio
from uuid import UUID

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)
REDIS_TIMEOUT = 1.0


def nonce_key(prefix: str, tenant_id: UUID, delivery_key: str) -> str:
    return f"{prefix}webhook:seen:{tenant_id}:{delivery_key}"


async def claim(redis: Redis, key: str, receipt_id: UUID, ttl_seconds: int) -> bool:
    """True if this delivery is the first to claim the key (SET NX with a TTL); False when it
    was claimed before, or when Redis cannot say."""
    try:
        async with asyncio.timeout(REDIS_TIMEOUT):
            return bool(await redis.set(key, str(receipt_id), nx=True, ex=ttl_seconds))
    except (RedisError, OSError, TimeoutError) as exc:
        log.warning("replay nonces unavailable; the receipts decide", error=repr(exc))
        return False


async def release(redis: Redis, key: str) -> None:
    """Give a claim back when its delivery could not be recorded, so a retry is not a duplicate."""
    await redis.delete(key)
