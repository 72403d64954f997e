"""Replay nonces in Redis: the fast, shared first look at "seen this delivery before?"."""

from __future__ import annotations

from uuid import UUID

from redis.asyncio import Redis


def nonce_key(prefix: str, tenant_id: UUID, delivery_key: str) -> str:
    return f"{prefix}webhook:seen:{tenant_id}:{delivery_key}"


async def claim(redis: Redis, key: str, receipt_id: UUID, ttl_seconds: int) -> bool:
    """True if this delivery is the first to claim the key (SET NX with a TTL)."""
    return bool(await redis.set(key, str(receipt_id), nx=True, ex=ttl_seconds))


async def release(redis: Redis, key: str) -> None:
    """Give a claim back when its delivery could not be recorded, so a retry is not a duplicate."""
    await redis.delete(key)
