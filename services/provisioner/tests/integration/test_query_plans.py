"""The engine's and the handlers' lookups by status can use the partial indexes with a cached
(generic) plan: their statuses are constants in the SQL, as the indexes' predicates are."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from provisioner.adapters.pipelines import _NEXT_DUE, _OTHER_ACTIVE, _STILL_DUE
from provisioner.settings import ProvisionerSettings
from service_kit_testing import generic_plan


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
