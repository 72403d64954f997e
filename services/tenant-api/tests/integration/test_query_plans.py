"""On tables seeded to a control plane's size after years of sign-ups, the gateway's lists and
the pipelines gauge read index ranges, in the plan PostgreSQL caches (made without the values)
and in one made for the values, with sequential scans allowed: a key-prefix search, dead letters
of one tenant on a deep page, and the live pipelines counted by status."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from service_kit_testing import TestInfra, cached_plans, plan_database
from tenant_api.dead_letters import repository_queries as dead_letter_queries
from tenant_api.domain.dead_letters import Filters
from tenant_api.pipeline.repository import COUNT_LIVE_BY_STATUS
from tenant_api.tenants import list_queries
from tenant_api.tenants.list_queries import TenantFilter

SERVICE_DIR = Path(__file__).resolve().parents[2]
SCHEMA = "tenant_api"


def tenant(i: int) -> uuid.UUID:
    """The id the seed gives tenant `i` (as `md5(i::text)::uuid` in SQL)."""
    import hashlib

    return uuid.UUID(hashlib.md5(str(i).encode(), usedforsecurity=False).hexdigest())


# 100,000 tenants, one pipeline each (a few hundred of them live), 50,000 dead letters parked
# over 5,000 tenants.
SEED = """
INSERT INTO tenants (id, key, name, status, tier, plan_id, domains, created_at)
SELECT md5(i::text)::uuid, 't' || i, 'Tenant ' || i, 'ACTIVE', 'pooled', 'starter',
       ARRAY['t' || i || '.example'], now() - i * interval '1 minute'
FROM generate_series(1, 100000) AS i;
INSERT INTO pipelines (id, tenant_id, run, status, requested_by, started_at, last_progress_at)
SELECT gen_random_uuid(), md5(i::text)::uuid, 1,
       CASE WHEN i % 500 = 0 THEN 'RUNNING' WHEN i % 500 = 1 THEN 'TIMING_OUT'
            WHEN i % 10 = 0 THEN 'FAILED' ELSE 'SUCCEEDED' END,
       'admin', now(), now()
FROM generate_series(1, 100000) AS i;
INSERT INTO dead_letters (id, service, queue, dedupe_key, tenant_id, reason, headers, body,
                          stored_at)
SELECT gen_random_uuid(), 'provisioner', 'provisioner.dlq', i::text,
       md5((i % 5000)::text)::uuid, 'rejected', '{}', '\\x00',
       now() - i * interval '1 second'
FROM generate_series(1, 50000) AS i;
"""


@pytest.fixture(scope="module")
async def seeded(infra: TestInfra) -> AsyncIterator[str]:
    """A database of its own, seeded large and analysed."""
    async with plan_database(
        SERVICE_DIR,
        infra,
        "plans_tenant_api",
        schema=SCHEMA,
        seed=SEED,
        tables=["tenants", "pipelines", "dead_letters"],
    ) as dsn:
        yield dsn


async def test_a_key_prefix_search_is_a_range_of_the_byte_order_key_index(seeded: str) -> None:
    statement = list_queries.page_ids(TenantFilter(key_prefix="t1234"), before=None, limit=51)
    plans = await cached_plans(seeded, SCHEMA, statement, "t1234", "t1235", 51)
    plans.assert_use("tenants_key_c_idx")


async def test_a_key_prefix_count_is_a_range_of_the_byte_order_key_index(seeded: str) -> None:
    statement = list_queries.count(TenantFilter(key_prefix="t1234"))
    plans = await cached_plans(seeded, SCHEMA, statement, "t1234", "t1235")
    plans.assert_use("tenants_key_c_idx")


async def test_a_deep_page_of_one_tenants_dead_letters_starts_at_its_cursor_in_the_index(
    seeded: str,
) -> None:
    at = datetime.now(UTC) - timedelta(hours=7)  # half-way through the parked letters
    statement = dead_letter_queries.page(
        Filters(tenant_id=tenant(7)), before=(at, uuid.UUID(int=1)), limit=51
    )
    plans = await cached_plans(seeded, SCHEMA, statement, tenant(7), at, uuid.UUID(int=1), 51)
    plans.assert_use("dead_letters_tenant_stored_idx")
    for plan in (plans.generic, plans.custom):
        cond = next(line for line in plan.splitlines() if "Index Cond" in line)
        assert "ROW(stored_at, id) < ROW(" in cond, f"the cursor bounds the index range:\n{plan}"


async def test_the_pipelines_gauge_counts_live_pipelines_through_their_partial_index(
    seeded: str,
) -> None:
    plans = await cached_plans(seeded, SCHEMA, COUNT_LIVE_BY_STATUS)
    plans.assert_use("pipelines_one_active_per_tenant_uq")
