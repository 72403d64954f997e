"""The engine's and the handlers' lookups by status can use the partial indexes with a cached
(generic) plan: their statuses are constants in the SQL, as the indexes' predicates are. On
tables seeded large, preflight's and the credentials step's lookups stay index lookups, in the
cached plan and in one made for the values, however many tenants came before."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from provisioner.adapters.initial_keys import LIVE_OF_PIPELINE
from provisioner.adapters.ledger import COUNT_OPEN, NAME_HELD_BY_OTHER
from provisioner.adapters.pipelines import _NEXT_DUE, _OTHER_ACTIVE, _STILL_DUE
from provisioner.settings import ProvisionerSettings
from service_kit_testing import TestInfra, cached_plans, generic_plan, plan_database

SERVICE_DIR = Path(__file__).resolve().parents[2]


async def cached_plan(
    settings: ProvisionerSettings, statement: Any, *args: uuid.UUID | int | str
) -> str:
    return await generic_plan(settings.asyncpg_dsn, "provisioner", statement, *args)


@pytest.mark.usefixtures("migrated")
async def test_polling_for_due_pipelines_uses_the_due_and_waiting_indexes(
    settings: ProvisionerSettings,
) -> None:
    plan = await cached_plan(settings, _NEXT_DUE, 1)
    assert "pipelines_due_idx" in plan, plan
    assert "pipelines_waiting_idx" in plan, plan
    assert "Seq Scan" not in plan, plan


@pytest.mark.usefixtures("migrated")
async def test_the_other_active_pipeline_of_a_tenant_is_found_by_its_unique_index(
    settings: ProvisionerSettings,
) -> None:
    plan = await cached_plan(settings, _OTHER_ACTIVE, uuid.uuid4(), uuid.uuid4())
    assert "pipelines_one_active_uq" in plan, plan


@pytest.mark.usefixtures("migrated")
async def test_going_on_with_a_pipeline_reads_it_by_its_key(settings: ProvisionerSettings) -> None:
    plan = await cached_plan(settings, _STILL_DUE, uuid.uuid4())
    assert "pipelines_pkey" in plan, plan


# A ledger and key table of a control plane with 20,000 tenants provisioned over time: half
# of the rows deleted (offboarded, compensated), a fifth of them silo schemas. Large enough that
# PostgreSQL reads the whole table for a lookup no index serves.
SEED = """
INSERT INTO resources (id, tenant_id, pipeline_id, step, kind, name, status)
SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'database',
       (ARRAY['schema', 'role', 'pooled_tenant', 'policy', 'api_key'])[1 + i % 5],
       't' || (i / 5), CASE WHEN i % 2 = 0 THEN 'DELETED' ELSE 'CREATED' END
FROM generate_series(1, 100000) AS i;
INSERT INTO api_keys (id, tenant_id, pipeline_id, prefix, key_hash, revoked_at)
SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'cpk_' || i, md5(i::text),
       CASE WHEN i % 3 = 0 THEN now() END
FROM generate_series(1, 100000) AS i;
"""


@pytest.fixture(scope="module")
async def seeded(infra: TestInfra) -> AsyncIterator[str]:
    """A database of its own, its ledger and keys seeded large and analysed."""
    async with plan_database(
        SERVICE_DIR,
        infra,
        "plans_provisioner",
        schema="provisioner",
        seed=SEED,
        tables=["resources", "api_keys"],
    ) as dsn:
        yield dsn


async def test_preflight_asks_whether_a_name_is_held_through_the_live_name_index(
    seeded: str,
) -> None:
    plans = await cached_plans(seeded, "provisioner", NAME_HELD_BY_OTHER, "t1234", uuid.uuid4(), 1)
    plans.assert_use("resources_live_name_idx")


async def test_preflight_counts_silo_schemas_through_the_live_kind_index(seeded: str) -> None:
    plans = await cached_plans(seeded, "provisioner", COUNT_OPEN, "schema")
    plans.assert_use("resources_live_kind_idx")


async def test_the_credentials_step_finds_its_pipelines_key_by_index(seeded: str) -> None:
    plans = await cached_plans(seeded, "provisioner", LIVE_OF_PIPELINE, uuid.uuid4())
    plans.assert_use("api_keys_pipeline_idx")
