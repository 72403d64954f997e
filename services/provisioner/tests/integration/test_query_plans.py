"""The engine's and the handlers' lookups by status can use the partial indexes with a cached
(generic) plan: their statuses are constants in the SQL, as the indexes' predicates are."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import Select

from provisioner.engine import _NEXT_DUE, _STILL_DUE
from provisioner.handlers import _OTHER_ACTIVE
from provisioner.settings import ProvisionerSettings


async def generic_plan(settings: ProvisionerSettings, statement: Select[Any], *args: Any) -> str:
    """EXPLAIN of the statement as a prepared statement's cached plan, sequential scans
    discouraged, so that only an index that cannot be proven usable is left out."""
    sql = str(statement.compile(dialect=postgresql.asyncpg.dialect()))  # type: ignore[attr-defined]
    search_path = {"search_path": "provisioner"}
    conn = await asyncpg.connect(settings.asyncpg_dsn, server_settings=search_path)
    try:
        await conn.execute("SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off")
        await conn.execute(f"PREPARE lookup AS {sql}")
        values = ", ".join(f"'{a}'::uuid" if isinstance(a, uuid.UUID) else str(a) for a in args)
        rows = await conn.fetch(f"EXPLAIN EXECUTE lookup({values})")
        return "\n".join(row[0] for row in rows)
    finally:
        await conn.close()


@pytest.mark.usefixtures("migrated")
async def test_polling_for_due_pipelines_uses_the_due_and_waiting_indexes(
    settings: ProvisionerSettings,
) -> None:
    plan = await generic_plan(settings, _NEXT_DUE, 1)
    assert "pipelines_due_idx" in plan, plan
    assert "pipelines_waiting_idx" in plan, plan
    assert "Seq Scan" not in plan, plan


@pytest.mark.usefixtures("migrated")
async def test_the_other_active_pipeline_of_a_tenant_is_found_by_its_unique_index(
    settings: ProvisionerSettings,
) -> None:
    plan = await generic_plan(settings, _OTHER_ACTIVE, uuid.uuid4(), uuid.uuid4())
    assert "pipelines_one_active_uq" in plan, plan


@pytest.mark.usefixtures("migrated")
async def test_going_on_with_a_pipeline_reads_it_by_its_key(settings: ProvisionerSettings) -> None:
    plan = await generic_plan(settings, _STILL_DUE, uuid.uuid4())
    assert "pipelines_pkey" in plan, plan
