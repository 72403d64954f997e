"""Tenants' isolation in the tenant-data database, tried as the tenants themselves: each
connects with its own role and the password the ledger keeps sealed."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from provisioner.adapters.tenant_data import TenantData
from provisioner.settings import ProvisionerSettings
from shared_schemas.events import Tier

from ..conftest import ConnectAs, Provisioned  # type: ignore[import-not-found]

Refused = asyncpg.InsufficientPrivilegeError
INSERT = "INSERT INTO pooled.records (tenant_id, payload) VALUES ($1, $2) RETURNING id"
MINE = "SELECT tenant_id, payload->>'who' AS who FROM pooled.records ORDER BY id"


async def test_a_pooled_tenant_reads_and_writes_its_own_rows_and_no_others(
    provisioned: Provisioned, connect_as: ConnectAs, settings: ProvisionerSettings
) -> None:
    a, b = await provisioned(Tier.POOLED), await provisioned(Tier.POOLED)
    ta, tb = a.data.tenant_id, b.data.tenant_id
    as_a, as_b = await connect_as(a), await connect_as(b)
    b_row = await as_b.fetchval(INSERT, tb, '{"who": "b"}')
    a_row = await as_a.fetchval(INSERT, ta, '{"who": "a"}')
    await as_a.execute('UPDATE pooled.records SET payload = \'{"who": "a2"}\' WHERE id = $1', a_row)
    assert [tuple(r) for r in await as_a.fetch(MINE)] == [(ta, "a2")]

    # B's rows, however A asks for them: none to see, none to change or remove.
    assert await as_a.fetch("SELECT * FROM pooled.records WHERE id = $1", b_row) == []
    assert await as_a.execute("UPDATE pooled.records SET payload = '{}' WHERE id = $1", b_row) == (
        "UPDATE 0"
    )
    assert await as_a.execute("DELETE FROM pooled.records WHERE tenant_id = $1", tb) == "DELETE 0"
    with pytest.raises(Refused, match="violates row-level security policy"):
        await as_a.execute(INSERT, tb, '{"who": "a as b"}')
    with pytest.raises(Refused, match="violates row-level security policy"):
        await as_a.execute("UPDATE pooled.records SET tenant_id = $1 WHERE id = $2", tb, a_row)
    # The session setting the policies once read shows nothing either.
    await as_a.execute("SELECT set_config('app.tenant_id', $1, false)", str(tb))
    assert [tuple(r) for r in await as_a.fetch(MINE)] == [(ta, "a2")]

    # Nor can A turn the policies off, or around.
    policy = settings.tenant_role_prefix + a.data.key
    for statement in (
        "ALTER TABLE pooled.records DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE pooled.records NO FORCE ROW LEVEL SECURITY",
        f'DROP POLICY "{policy}" ON pooled.records',
        "CREATE POLICY everything ON pooled.records USING (true)",
    ):
        with pytest.raises(Refused, match=r"must be owner of (table|relation) records"):
            await as_a.execute(statement)
    await as_a.execute("SET row_security = off")
    with pytest.raises(Refused, match="would be affected by row-level security policy"):
        await as_a.fetch(MINE)
    await as_a.execute("RESET row_security")
    with pytest.raises(Refused, match="permission denied for table tenants"):
        await as_a.fetch("SELECT * FROM pooled.tenants")

    # B was left as it was, and sees only its own.
    assert [tuple(r) for r in await as_b.fetch(MINE)] == [(tb, "b")]


async def test_a_silo_tenant_uses_its_own_schema_and_nothing_else(
    provisioned: Provisioned, connect_as: ConnectAs, settings: ProvisionerSettings
) -> None:
    a, b = await provisioned(Tier.SILO), await provisioned(Tier.SILO)
    schema_a = settings.tenant_role_prefix + a.data.key
    schema_b = settings.tenant_role_prefix + b.data.key
    as_a, as_b = await connect_as(a), await connect_as(b)
    await as_b.execute(f"CREATE TABLE \"{schema_b}\".notes (body) AS VALUES ('b only')")
    await as_a.execute(f"CREATE TABLE \"{schema_a}\".notes (body) AS VALUES ('a only')")
    assert await as_a.fetchval(f'TABLE "{schema_a}".notes') == "a only"

    with pytest.raises(Refused, match=f"permission denied for schema {schema_b}"):
        await as_a.fetch(f'TABLE "{schema_b}".notes')
    with pytest.raises(Refused, match=f"permission denied for schema {schema_b}"):
        await as_a.execute(f'CREATE TABLE "{schema_b}".planted (i int)')
    with pytest.raises(Refused, match="permission denied for schema pooled"):
        await as_a.fetch("TABLE pooled.records")
    assert await as_b.fetchval(f'TABLE "{schema_b}".notes') == "b only"


async def test_the_pooled_setup_forces_row_security_and_drops_the_session_setting_policies(
    settings: ProvisionerSettings,
) -> None:
    """A tenant-data database from before: row security not forced, and a pooled tenant's
    policy for every role, keyed on `app.tenant_id`."""
    data = TenantData(settings.tenant_data_dsn)
    await data.start()
    await data.close()
    legacy = f"{settings.tenant_role_prefix}legacy{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(settings.tenant_data_dsn)
    try:
        await conn.execute("ALTER TABLE pooled.records NO FORCE ROW LEVEL SECURITY")
        await conn.execute(
            f'CREATE POLICY "{legacy}" ON pooled.records USING (tenant_id = '
            f"'{uuid.uuid4()}'::uuid AND current_setting('app.tenant_id', true) = tenant_id::text)"
        )
        await data.start()  # as at the next start of a provisioner
        await data.close()
        forced = "SELECT relforcerowsecurity FROM pg_class WHERE oid = 'pooled.records'::regclass"
        assert await conn.fetchval(forced)
        assert not await conn.fetchval("SELECT 1 FROM pg_policies WHERE policyname = $1", legacy)
    finally:
        await conn.close()
