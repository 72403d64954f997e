"""A tenant's database login handed over sealed, and its password rotated: real PostgreSQL and
RabbitMQ, sessions opened as the tenants' own roles with what the event carries."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from provisioner.settings import ProvisionerSettings
from service_kit_testing import EventTap, Publish, SqlRunner, server_accepts_password
from shared_schemas import Actor
from shared_schemas.events import (
    DatabaseConnection,
    DatabaseCredentialsIssued,
    DatabasePasswordRotationRequested,
    DatabasePasswordRotationRequestedData,
    TenantProvisioningRequested,
    Tier,
    database_credentials_binding,
)

from ..conftest import Provisioned  # type: ignore[import-not-found]

ISSUED = "tenant.database_credentials_issued"
ADMIN = Actor(sub="test:admin", role="admin")


@pytest.fixture
async def tap(event_tap: Any) -> EventTap:
    return await event_tap(ISSUED)


def opened(settings: ProvisionerSettings, event: DatabaseCredentialsIssued) -> DatabaseConnection:
    binding = database_credentials_binding(event.data.tenant_id)
    plaintext = settings.handover_keyring().open(event.data.connection, binding)
    return DatabaseConnection.model_validate_json(plaintext)


def rotation(req: TenantProvisioningRequested) -> DatabasePasswordRotationRequested:
    tenant_id = req.data.tenant_id
    return DatabasePasswordRotationRequested.build(
        DatabasePasswordRotationRequestedData(tenant_id=tenant_id, requested_by=ADMIN.sub),
        producer="tenant-api",
        correlation_id=tenant_id,
        tenant_id=tenant_id,
        actor=ADMIN,
    )


async def connect(conn: DatabaseConnection) -> asyncpg.Connection:
    return await asyncpg.connect(
        host=conn.host,
        port=conn.port,
        database=conn.database,
        user=conn.role,
        password=conn.password,
    )


async def test_each_tier_gets_a_sealed_connection_that_logs_in_as_its_own_role(
    provisioned: Provisioned, tap: EventTap, settings: ProvisionerSettings
) -> None:
    silo, pooled = await provisioned(Tier.SILO), await provisioned(Tier.POOLED)
    for req in (silo, pooled):
        (event,) = await tap.wait_for(
            ISSUED, where=lambda e, r=req: e.tenant_id == r.data.tenant_id
        )
        assert event.correlation_id == req.data.pipeline_id
        assert "password" not in event.model_dump_json()
        conn = opened(settings, event)
        assert (conn.host, conn.port, conn.database) == settings.tenant_data_address()
        assert conn.role == settings.tenant_role_prefix + req.data.key
        assert await server_accepts_password(settings.tenant_data_dsn, conn.role, conn.password)
        session = await connect(conn)
        try:
            assert await session.fetchval("SELECT current_user") == conn.role
            if req is silo:
                assert (conn.schema_name, conn.pooled_table, conn.row_tenant_id) == (
                    conn.role,
                    None,
                    None,
                )
                await session.execute(f'CREATE TABLE "{conn.schema_name}".notes (n int)')
            else:
                assert (conn.schema_name, conn.pooled_table, conn.row_tenant_id) == (
                    None,
                    "pooled.records",
                    req.data.tenant_id,
                )
                await session.execute(
                    "INSERT INTO pooled.records (tenant_id) VALUES ($1)", conn.row_tenant_id
                )
                assert await session.fetchval("SELECT count(*) FROM pooled.records") == 1
        finally:
            await session.close()


async def test_a_rotation_sets_a_new_password_once_per_request_and_hands_it_over(
    provisioned: Provisioned,
    tap: EventTap,
    publish: Publish,
    settings: ProvisionerSettings,
    sql: SqlRunner,
) -> None:
    req = await provisioned(Tier.POOLED)

    def mine(e: Any) -> bool:
        return bool(e.tenant_id == req.data.tenant_id)

    (first,) = await tap.wait_for(ISSUED, where=mine)
    old = opened(settings, first)

    asked = rotation(req)
    await publish(asked)
    await publish(asked)  # delivered twice: rotated once
    then = rotation(req)
    await publish(then)
    issued = await tap.wait_for(ISSUED, count=3, where=mine)
    rotated, again = opened(settings, issued[1]), opened(settings, issued[2])
    assert (issued[1].causation_id, issued[1].actor) == (asked.id, ADMIN)
    assert issued[2].causation_id == then.id
    assert len({old.password, rotated.password, again.password}) == 3
    assert rotated.issued_at > old.issued_at
    assert not await server_accepts_password(settings.tenant_data_dsn, old.role, old.password)
    assert not await server_accepts_password(settings.tenant_data_dsn, old.role, rotated.password)
    assert await server_accepts_password(settings.tenant_data_dsn, old.role, again.password)
    session = await connect(again)
    try:
        assert await session.fetchval("SELECT current_user") == old.role
    finally:
        await session.close()
    (row,) = await sql(
        "SELECT details->'rotated_by' AS ids FROM provisioner.resources"
        " WHERE tenant_id = :t AND kind = 'role' AND status = 'CREATED'",
        t=req.data.tenant_id,
    )
    assert row.ids == [str(asked.id), str(then.id)]
    (told,) = await sql(
        "SELECT count(*) AS n FROM provisioner.outbox WHERE event_type = :type"
        " AND headers->>'x-tenant-id' = :t",
        type=ISSUED,
        t=str(req.data.tenant_id),
    )
    assert told.n == 3
