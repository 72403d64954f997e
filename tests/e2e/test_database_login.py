"""A tenant's database login across the running services: the provisioner's handover read
back from the gateway's vault logs in; a rotation refuses the old password and hands over a
new one that logs in."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest

from service_kit_testing import TestInfra, server_accepts_password

from .conftest import Stack
from .polling import eventually
from .saga_client import new_tenant, provision, settle

pytestmark = pytest.mark.e2e


async def revealed(gateway: httpx.AsyncClient, tenant_id: str) -> dict[str, str] | None:
    answer = await gateway.get(
        f"/tenants/{tenant_id}/credentials/database", params={"reveal": "true"}
    )
    if answer.status_code == 404:
        return None
    assert answer.status_code == 200, answer.text
    values: dict[str, str] = answer.json()["values"]
    return values


async def logs_in(values: dict[str, str]) -> Any:
    conn = await asyncpg.connect(
        host=values["host"],
        port=int(values["port"]),
        database=values["database"],
        user=values["role"],
        password=values["password"],
    )
    try:
        await conn.execute(
            f"INSERT INTO {values['pooled_table']} (tenant_id) VALUES ($1)",  # noqa: S608
            values["row_tenant_id"],
        )
        return await conn.fetchval("SELECT current_user")
    finally:
        await conn.close()


async def test_the_vaults_database_login_works_and_a_rotation_replaces_it(
    gateway: httpx.AsyncClient, infra: TestInfra, stack: Stack
) -> None:
    tenant = await new_tenant(gateway, "pooled")
    await provision(gateway, tenant["id"])
    assert (await settle(gateway, tenant["id"]))["status"] == "ACTIVE"
    first = await eventually(
        lambda: revealed(gateway, tenant["id"]), what="the database login in the vault"
    )
    role = infra.env["TENANT_ROLE_PREFIX"] + tenant["key"]
    assert (first["role"], first["row_tenant_id"]) == (role, tenant["id"])
    assert await server_accepts_password(infra.tenant_data_dsn, role, first["password"])
    assert await logs_in(first) == role

    answer = await gateway.post(f"/tenants/{tenant['id']}/database/rotate-password")
    assert answer.status_code == 202, answer.text
    assert answer.json()["credential"] == f"/tenants/{tenant['id']}/credentials/database"

    async def rotated() -> dict[str, str] | None:
        now = await revealed(gateway, tenant["id"])
        return now if now and now["password"] != first["password"] else None

    second = await eventually(rotated, what="the rotated password in the vault")
    assert not await server_accepts_password(infra.tenant_data_dsn, role, first["password"])
    assert await server_accepts_password(infra.tenant_data_dsn, role, second["password"])
    assert await logs_in(second) == role

    async def both_stored() -> list[dict[str, Any]] | None:
        answer = await gateway.get(f"/tenants/{tenant['id']}/events", params={"limit": 200})
        items = answer.json()["items"]
        # The tenant's other handed-over credential (its OpenID client's) is not counted.
        stored = [
            e
            for e in items
            if e["type"] == "tenant.credential_stored" and e["data"]["provider"] == "database"
        ]
        return stored if len(stored) == 2 else None

    await eventually(both_stored, what="both handovers on the timeline")
