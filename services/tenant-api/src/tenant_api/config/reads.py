"""The tenant config (context provider), read through a Redis cache that never answers stale.

Writes. Everything GET /tenants/{id}/config shows lives in the tenant's row (status, tier,
plan, domains, feature flags, app URL) or in the plan catalogue. Every change to those columns
goes through `tenant_repository.change`, which bumps `tenants.config_generation` in the same
UPDATE, hence in the same transaction: status changes in the lifecycle commands and the saga's
handlers, PATCH of the domains, feature flags, and any future plan or tier change. A config and
its generation are therefore committed together or not at all, and the generation only grows
(`config_generation + 1` under the UPDATE's row lock). Plans change only by migration; such a
migration must bump the generation of the plan's tenants too.

Cache. One Redis hash per tenant holds a config and the generation it was read at. Only
`ConfigCache.put_if_newer` (a Lua compare-and-set) writes it, keeping the higher generation;
its TTL bounds memory and plays no part in freshness. Writers never need to reach Redis.

Read, in this order:
  1. G = the tenant's committed generation, from PostgreSQL (a primary-key lookup of one bigint,
     no joins);
  2. the cached entry: if its generation is >= G, answer it;
  3. otherwise load the config from PostgreSQL in one statement (values and generation from one
     snapshot), compare-and-set it into the cache, answer it.

Why no read returns a superseded value. Take any write W that committed before the read began,
at generation g. Step 1 is a statement that starts after W's commit, and under READ COMMITTED a
statement sees every transaction committed before it started, so G >= g. An entry answered in
step 2 has generation >= G >= g, and an entry holds exactly the values committed with its
generation (it was loaded from one snapshot), so it includes W. A config answered in step 3 was
loaded after step 1, so its generation is >= G as well. Nothing depends on a writer telling
Redis anything: a crash between commit and a Redis call, a saga consumer with no Redis client,
a rolled-back transaction, a Redis restart or restore from an old snapshot, another replica's
entries, two fills racing — each costs at most a miss, never a stale answer. The price is the
lookup in step 1; the joins, JSON and the plan are served from Redis. It assumes step 1 reads
the primary (never a lagging replica).

The route (api/config.py) puts one more cache in front, by the same argument: it does step 1
itself (plain asyncpg, adapters/config_generations.py) and answers the JSON this process last
rendered for the tenant if that was at a generation >= G (adapters/config_answers.py); only
otherwise does it call `read_config`.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from service_kit.db import UnitOfWork
from service_kit.problems import NotFound
from tenant_api.config import repository as config_repository
from tenant_api.config.cache import CONFIG_READS, ConfigCache
from tenant_api.tenants import repository as tenants

FlagValue = bool | int | float | str


async def read_config(tenant_id: UUID, uow: UnitOfWork, cache: ConfigCache) -> dict[str, Any]:
    """The tenant's config at a generation no older than any write committed before the call."""
    generation = await config_repository.generation(uow.session, tenant_id)
    if generation is None:
        raise NotFound("No such tenant.")
    cached = await cache.get(tenant_id)
    if cached is not None and cached.generation >= generation:
        CONFIG_READS.labels("cache").inc()
        return cached.config
    config = await config_repository.load(uow.session, tenant_id)
    if config is None:  # deleted in between: tenants are never deleted, but be exact
        raise NotFound("No such tenant.")
    await cache.put_if_newer(tenant_id, config["generation"], config)
    CONFIG_READS.labels("database").inc()
    return config


async def set_feature_flags(tenant_id: UUID, flags: dict[str, FlagValue], uow: UnitOfWork) -> None:
    """Replace the tenant's feature flags; the same flags again change nothing."""
    tenant = await tenants.lock(uow.session, tenant_id)
    if tenant is None:
        raise NotFound("No such tenant.")
    if _canonical(tenant.feature_flags) != _canonical(flags):
        await tenants.change(uow.session, tenant_id, feature_flags=flags)


def _canonical(flags: dict[str, Any]) -> str:
    # As JSON, not Python equality: `true` and `1` are different flag values.
    return json.dumps(flags, sort_keys=True)
