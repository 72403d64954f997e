"""The tenant's first admin API key, left once in Redis by the provisioner's credentials step."""

from __future__ import annotations

from uuid import UUID

from redis.asyncio import Redis


def initial_key_name(prefix: str, tenant_id: UUID) -> str:
    return f"{prefix}initial-key:{tenant_id}"


async def take_initial_key(redis: Redis, prefix: str, tenant_id: UUID) -> str | None:
    """The plaintext key, removed in the same command (GETDEL): only one caller ever gets it."""
    value = await redis.getdel(initial_key_name(prefix, tenant_id))
    return None if value is None else str(value)
