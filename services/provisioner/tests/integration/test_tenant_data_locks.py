"""Row-level-security DDL and grants in the pooled schema for many tenants at once: no deadlock,
no concurrent catalog update."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from provisioner.adapters.tenant_data import TenantData
from provisioner.settings import ProvisionerSettings

CONCURRENT = 12


@pytest.fixture
async def tenant_data(settings: ProvisionerSettings) -> AsyncIterator[TenantData]:
    data = TenantData(settings.tenant_data_dsn, max_connections=CONCURRENT * 2)
    await data.start()
    yield data
    await data.close()


async def _provision(data: TenantData, name: str, tenant_id: uuid.UUID) -> None:
    await data.add_pooled_tenant(tenant_id, name[-12:])
    await data.create_pooled_role(name, uuid.uuid4().hex)
    await data.add_policy(name, tenant_id, role=name)


async def _compensate(data: TenantData, name: str, tenant_id: uuid.UUID) -> None:
    await data.drop_policy(name)
    await data.drop_role(name)
    await data.remove_pooled_tenant(tenant_id)


async def test_concurrent_pooled_provisionings_and_compensations_do_not_deadlock(
    tenant_data: TenantData, settings: ProvisionerSettings
) -> None:
    prefix = settings.tenant_role_prefix
    leaving = {f"{prefix}l{uuid.uuid4().hex[:10]}": uuid.uuid4() for _ in range(CONCURRENT)}
    arriving = {f"{prefix}a{uuid.uuid4().hex[:10]}": uuid.uuid4() for _ in range(CONCURRENT)}
    for name, tenant_id in leaving.items():
        await _provision(tenant_data, name, tenant_id)

    for _ in range(3):  # each round is a fresh chance of the interleaving that deadlocked
        results = await asyncio.gather(
            *(_compensate(tenant_data, n, t) for n, t in leaving.items()),
            *(_provision(tenant_data, n, t) for n, t in arriving.items()),
            return_exceptions=True,
        )
        # Deadlocks (DROP POLICY) and "tuple concurrently updated" (GRANTs on one table) among them.
        deadlocks = [r for r in results if isinstance(r, asyncpg.DeadlockDetectedError)]
        assert deadlocks == []
        assert [r for r in results if isinstance(r, BaseException)] == []
        leaving, arriving = arriving, leaving

    conn = await asyncpg.connect(settings.tenant_data_dsn)
    try:
        policies = {
            r["policyname"]
            for r in await conn.fetch(
                "SELECT policyname FROM pg_policies WHERE schemaname = 'pooled'"
                " AND starts_with(policyname, $1)",
                prefix,
            )
        }
        roles = {
            r["rolname"]
            for r in await conn.fetch(
                "SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])",
                [*leaving, *arriving],
            )
        }
        tenants = {
            r["tenant_id"]
            for r in await conn.fetch(
                "SELECT tenant_id FROM pooled.tenants WHERE tenant_id = ANY($1::uuid[])",
                [*leaving.values(), *arriving.values()],
            )
        }
    finally:
        await conn.close()
    # After an odd number of rounds the first set is provisioned, the second compensated.
    assert set(leaving) <= policies
    assert not set(arriving) & policies
    assert roles == set(leaving)
    assert tenants == set(leaving.values())
