"""On a receipts table seeded to months of deliveries, a deep page of the list (every tenant's,
or one tenant's) starts at its cursor in an index, in the plan PostgreSQL caches and in one
made for the values, with sequential scans allowed."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from service_kit_testing import CachedPlans, TestInfra, cached_plans, plan_database
from webhook_receiver.adapters.deliveries import page

SERVICE_DIR = Path(__file__).resolve().parents[2]
SCHEMA = "webhook_receiver"
# Receipts one a second, a third of them rejected, spread over 2,000 tenants.
SEED = """
INSERT INTO deliveries (id, received_at, scheme, delivery_key, tenant_id, outcome, reason, size)
SELECT gen_random_uuid(), now() - i * interval '1 second', 'arc', md5(i::text),
       md5((i % 2000)::text)::uuid,
       CASE WHEN i % 3 = 0 THEN 'rejected' ELSE 'accepted' END,
       CASE WHEN i % 3 = 0 THEN 'bad_signature' END, 100
FROM generate_series(1, 100000) AS i;
"""
# Half-way down: a deep page.
AT = datetime.now(UTC) - timedelta(hours=14)
LAST = uuid.UUID(int=1)


@pytest.fixture(scope="module")
async def seeded(infra: TestInfra) -> AsyncIterator[str]:
    async with plan_database(
        SERVICE_DIR,
        infra,
        "plans_webhook_receiver",
        schema=SCHEMA,
        seed=SEED,
        tables=["deliveries"],
    ) as dsn:
        yield dsn


def assert_cursor_bounds(plans: CachedPlans) -> None:
    for plan in (plans.generic, plans.custom):
        cond = next(line for line in plan.splitlines() if "Index Cond" in line)
        assert "ROW(received_at, id) < ROW(" in cond, f"the cursor bounds the range:\n{plan}"


async def test_a_deep_page_of_every_receipt_starts_at_its_cursor(seeded: str) -> None:
    statement = page(tenant_id=None, outcome=None, before=(AT, LAST), limit=51)
    plans = await cached_plans(seeded, SCHEMA, statement, AT, LAST, 51)
    plans.assert_use("deliveries_received_id_idx")
    assert_cursor_bounds(plans)


async def test_a_deep_page_of_one_tenants_receipts_starts_at_its_cursor(seeded: str) -> None:
    tenant = uuid.uuid4()
    statement = page(tenant_id=tenant, outcome=None, before=(AT, LAST), limit=51)
    plans = await cached_plans(seeded, SCHEMA, statement, tenant, AT, LAST, 51)
    plans.assert_use("deliveries_tenant_received_id_idx")
    assert_cursor_bounds(plans)
