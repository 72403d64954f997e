"""Tenant configs in Redis, each entry tagged with the generation it was read at (steps 3 and 4
in tenant_configs.py, which says why it never answers stale).

Any Redis failure is a miss. Entries are replaced only by a higher generation (compare-and-set
in Lua), so two fills racing never put an older config back.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import structlog
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)
# A frozen Redis costs a read this much at most before it goes to PostgreSQL.
REDIS_TIMEOUT = 0.5
UNAVAILABLE = (RedisError, OSError, TimeoutError)

CONFIG_READS = Counter(
    "tenant_config_reads_total",
    "GET /tenants/{id}/config answers, by where they came from (process, cache or database)",
    ["source"],
)

# KEYS[1] the entry; ARGV: generation, body (JSON), ttl (s). 1 if stored, 0 if kept as it was.
_PUT_IF_NEWER = """
local current = redis.call('HGET', KEYS[1], 'generation')
if current and tonumber(current) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], 'generation', ARGV[1], 'body', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""


@dataclass(frozen=True)
class CachedConfig:
    generation: int
    config: dict[str, Any]


class ConfigCache:
    def __init__(self, redis: Redis, prefix: str, ttl: int) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl = ttl
        self._put_if_newer = redis.register_script(_PUT_IF_NEWER)

    def key(self, tenant_id: UUID) -> str:
        return f"{self._prefix}tenant-config:{tenant_id}"

    async def get(self, tenant_id: UUID) -> CachedConfig | None:
        try:
            async with asyncio.timeout(REDIS_TIMEOUT):
                fields = await self._redis.hmget(self.key(tenant_id), ["generation", "body"])
            generation, body = fields
        except UNAVAILABLE as exc:
            log.warning("tenant config cache unavailable; reading the database", error=repr(exc))
            return None
        if generation is None or body is None:
            return None
        return CachedConfig(int(generation), json.loads(body))

    async def put_if_newer(self, tenant_id: UUID, generation: int, config: dict[str, Any]) -> bool:
        """Store `config` unless the entry already holds this generation or a later one."""
        args: list[str | int] = [generation, json.dumps(config, separators=(",", ":")), self._ttl]
        try:
            async with asyncio.timeout(REDIS_TIMEOUT):
                stored = await self._put_if_newer(keys=[self.key(tenant_id)], args=args)
        except UNAVAILABLE as exc:
            log.warning("tenant config not cached", error=repr(exc))
            return False
        return bool(stored)
