"""`TenantConfigs`: the tenant config (context provider), read through caches that never answer
stale. The one place that explains why; its parts are `generations.py` (the committed
generation, plain asyncpg on the gateway's `AutocommitPool`), `answers.py` (rendered answers in
the process) and `cache.py` (Redis, with a Lua compare-and-set).

Writes. Everything GET /tenants/{id}/config shows lives in the tenant's row (status, tier,
plan, domains, feature flags, app URL) or in the plan catalogue. Every change to those columns
goes through the tenants' one write (`tenants.repository.change`), which bumps
`tenants.config_generation` in the same UPDATE, hence in the same transaction: status changes
in the lifecycle commands and the saga's handlers, PATCH of the domains, feature flags, and any
future plan or tier change. A config and its generation are therefore committed together or
not at all, and the generation only grows (`config_generation + 1` under the UPDATE's row
lock). Plans change only by migration; such a migration must bump the generation of the plan's
tenants too.

Caches. One Redis hash per tenant holds a config and the generation it was read at. Only
`ConfigCache.put_if_newer` (a Lua compare-and-set, one atomic step in Redis) writes it, keeping
the higher generation; its TTL bounds memory and plays no part in freshness. Each process also
keeps the JSON it last rendered per tenant, with its generation, and likewise never lets an
older generation replace a newer one. Writers never need to reach either cache.

Read (`TenantConfigs.read`), in this order:
  1. G = the tenant's committed generation, from PostgreSQL: a primary-key lookup of one
     bigint, one autocommit statement on the gateway's small asyncpg pool (no ORM session, no
     BEGIN or ROLLBACK, no pre-ping);
  2. the answer this process rendered last for the tenant: if its generation is >= G, answer it
     (no Redis round trip, no JSON parse, no model validation);
  3. the Redis entry: if its generation is >= G, answer it (`read_config`, which looks G up
     again in its own transaction);
  4. otherwise load the config from PostgreSQL in one statement (values and generation from one
     snapshot), compare-and-set it into Redis, answer it; the rendered answer is kept for step 2.

Why no read returns a superseded value. Take any write W that committed before the read began,
at generation g. Step 1 is a statement that starts after W's commit, and under READ COMMITTED a
statement sees every transaction committed before it started (an autocommit statement as much
as a session's first one), so G >= g. An answer given in step 2 or 3 has generation >= G >= g,
and it holds exactly the values committed with its generation (it was loaded from one
snapshot), so it includes W. A config answered in step 4 was loaded after step 1, so its
generation is >= G as well. Nothing depends on a writer telling a cache anything: a crash
between commit and a Redis call, a saga consumer with no Redis client, a rolled-back
transaction, a Redis restart or restore from an old snapshot, another replica's entries, two
fills racing — each costs at most a miss, never a stale answer. The price is the lookup in
step 1; the joins, JSON and the plan are served from a cache. It assumes step 1 reads the
primary (never a lagging replica).

Any Redis failure is a miss (PostgreSQL answers). A frozen Redis costs a read
`cache.REDIS_TIMEOUT` at most.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from redis.asyncio import Redis

from tenant_api.adapters.autocommit_pool import AutocommitPool
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.config.answers import ConfigAnswers
from tenant_api.config.cache import CONFIG_READS, ConfigCache
from tenant_api.config.generations import ConfigGenerations
from tenant_api.config.models import TenantConfigOut, config_out
from tenant_api.config.repository import ConfigDocument
from tenant_api.settings import TenantApiSettings


class TenantConfigs:
    def __init__(
        self,
        settings: TenantApiSettings,
        redis: Redis,
        unit_of_work: Callable[[], TenantApiUnitOfWork],
        pool: AutocommitPool,
    ) -> None:
        self._generations = ConfigGenerations(pool)
        self._answers = ConfigAnswers()
        self._cache = ConfigCache(
            redis, settings.redis_key_prefix, settings.tenant_config_cache_ttl
        )
        self._unit_of_work = unit_of_work
        self._api_base_url = settings.public_api_url

    async def read(self, tenant_id: UUID) -> bytes | None:
        """The config answer (JSON), no older than any write committed before the call; None:
        no such tenant. Steps 1 and 2 are the hot path."""
        generation = await self._generations.get(tenant_id)
        if generation is None:
            return None
        body = self._answers.get(tenant_id, at_least=generation)
        if body is not None:
            CONFIG_READS.labels("process").inc()
            return body
        async with self._unit_of_work() as uow:
            config = await read_config(tenant_id, uow, self._cache)
        if config is None:
            return None
        body = self._answer(config).model_dump_json(by_alias=True).encode()
        self._answers.put(tenant_id, config["generation"], body)
        return body

    async def read_in(self, uow: TenantApiUnitOfWork, tenant_id: UUID) -> TenantConfigOut | None:
        """Steps 3 and 4 in the caller's unit of work (e.g. right after it committed a write)."""
        config = await read_config(tenant_id, uow, self._cache)
        return None if config is None else self._answer(config)

    def _answer(self, config: ConfigDocument) -> TenantConfigOut:
        return config_out(config, self._api_base_url)


async def read_config(
    tenant_id: UUID, uow: TenantApiUnitOfWork, cache: ConfigCache
) -> ConfigDocument | None:
    """Steps 3 and 4: the tenant's config at a generation no older than any write committed
    before the call, through Redis; None: no such tenant."""
    generation = await uow.configs.generation(tenant_id)
    if generation is None:
        return None
    cached = await cache.get(tenant_id)
    if cached is not None and cached.generation >= generation:
        CONFIG_READS.labels("cache").inc()
        return cached.config
    config = await uow.configs.load(tenant_id)
    if config is None:  # deleted in between: tenants are never deleted, but be exact
        return None
    await cache.put_if_newer(tenant_id, config["generation"], config)
    CONFIG_READS.labels("database").inc()
    return config
