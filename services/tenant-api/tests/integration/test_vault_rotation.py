"""Rotating the vault's master key: every secret stays readable, before, during and after.

Rotation touches every tenant of a database, so these tests get a database (and an exchange)
of their own rather than sharing the run's.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from sqlalchemy.engine import make_url

from service_kit.migrations import drop_database, ensure_database, upgrade
from service_kit_testing import TestInfra, delete_exchange, sql_runner
from tenant_api.cli.vault import ACTOR, rotate
from tenant_api.settings import TenantApiSettings

from ..conftest import SERVICE_DIR  # type: ignore[import-not-found]
from ..gateway import bearer, gateway, gateway_settings, tenantctl  # type: ignore[import-not-found]
from ..vault import Sql, audit_trail, master_key  # type: ignore[import-not-found]

Secrets = dict[tuple[str, str], dict[str, str]]


@pytest.fixture
async def own_db(infra: TestInfra) -> AsyncIterator[str]:
    base = make_url(infra.database_url)
    url = base.set(database=f"{base.database}_vault_{uuid.uuid4().hex[:6]}")
    database_url = url.render_as_string(hide_password=False)
    await ensure_database(database_url)
    await asyncio.to_thread(upgrade, SERVICE_DIR, database_url)
    yield database_url
    await drop_database(database_url)


@pytest.fixture
async def configure(
    infra: TestInfra, own_db: str
) -> AsyncIterator[Callable[[str], TenantApiSettings]]:
    """Gateway settings on the test's own database and exchange, with these master keys."""
    run = f"{infra.run_id}-vault"

    def make(keys: str) -> TenantApiSettings:
        return gateway_settings(
            infra,
            database_url=own_db,
            events_exchange=f"cp-test-{run}.events",
            queue_prefix=f"cp-test-{run}.",
            redis_key_prefix=f"cp-test-{run}:",
            vault_master_keys=keys,
        )

    yield make
    await delete_exchange(infra.rabbitmq_url, f"cp-test-{run}.events")


@pytest.fixture
def sql_own(own_db: str) -> Sql:
    return sql_runner(own_db)


async def _onboard(client: httpx.AsyncClient, admin: dict[str, str]) -> str:
    key = "v" + uuid.uuid4().hex[:12]
    response = await client.post(
        "/tenants",
        json={
            "key": key,
            "name": f"Vault {key}",
            "domains": ["initech.example"],
            "tier": "pooled",
            "contact": {"firstName": "Bill", "lastName": "L", "email": "bill@initech.example"},
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    tenant_id: str = response.json()["id"]
    return tenant_id


async def _store(
    client: httpx.AsyncClient, admin: dict[str, str], tenant_id: str, provider: str
) -> dict[str, str]:
    values = {"clientId": f"app-{provider}", "clientSecret": f"secret-{uuid.uuid4().hex}"}
    response = await client.put(
        f"/tenants/{tenant_id}/credentials/{provider}", json=values, headers=admin
    )
    assert response.status_code == 201, response.text
    return values


async def _reveal_all(client: httpx.AsyncClient, admin: dict[str, str], secrets: Secrets) -> None:
    for (tenant_id, provider), values in secrets.items():
        response = await client.get(
            f"/tenants/{tenant_id}/credentials/{provider}", params={"reveal": "true"}, headers=admin
        )
        assert response.status_code == 200, response.text
        assert response.json()["values"] == values


async def _versions(sql: Sql) -> dict[str, int]:
    rows = await sql("SELECT tenant_id::text, master_key_version FROM tenant_api.tenant_data_keys")
    return {tenant_id: version for tenant_id, version in rows}


async def test_rotation_keeps_every_secret_readable(
    configure: Callable[[str], TenantApiSettings],
    token: Callable[..., str],
    sql_own: Sql,
) -> None:
    k1, k2 = master_key(), master_key()
    admin = bearer(token("admin"))
    secrets: Secrets = {}
    async with gateway(configure(f"v1:{k1}")) as client:
        tenants = [await _onboard(client, admin) for _ in range(3)]
        for tenant_id in tenants:
            for provider in ("stripe", "github"):
                secrets[tenant_id, provider] = await _store(client, admin, tenant_id, provider)
    assert set((await _versions(sql_own)).values()) == {1}

    # Dropping the old key before rotating: nothing opens, and readiness says why.
    async with gateway(configure(f"v2:{k2}")) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert "no master key v1" in ready.json()["checks"]["vault"]
        refused = await client.get(
            f"/tenants/{tenants[0]}/credentials/stripe", params={"reveal": "true"}, headers=admin
        )
        assert refused.status_code == 503
        assert refused.json()["type"].endswith("/vault-key-unavailable")

    # Step 1: the new key first, the old one kept for unwrapping.
    both = configure(f"v2:{k2},v1:{k1}")
    async with gateway(both) as client:
        assert (await client.get("/readyz")).status_code == 200
        await _reveal_all(client, admin, secrets)
        newcomer = await _onboard(client, admin)
        secrets[newcomer, "stripe"] = await _store(client, admin, newcomer, "stripe")
        assert (await _versions(sql_own))[newcomer] == 2

        # Step 2: rotate while the service serves.
        progress: list[str] = []
        report, _ = await asyncio.gather(
            rotate(both, batch_size=2, echo=progress.append),
            _reveal_all(client, admin, secrets),
        )
        assert (report.total, report.rewrapped, report.already_current) == (3, 3, 0)
        assert report.failed == []
        assert progress == ["3 data key(s) to re-wrap under master key v2", "2/3", "3/3"]
        await _reveal_all(client, admin, secrets)

        again = await rotate(both, echo=progress.append)
        assert (again.total, again.rewrapped, again.failed) == (0, 0, [])

    assert set((await _versions(sql_own)).values()) == {2}
    rewrapped = await sql_own(
        "SELECT tenant_id::text FROM tenant_api.tenant_data_keys WHERE rewrapped_at IS NOT NULL"
    )
    assert sorted(r[0] for r in rewrapped) == sorted(tenants)
    for tenant_id in tenants:
        trail = await audit_trail(sql_own, tenant_id)
        assert [a for a in trail if a[1] == "rewrap"] == [(None, "rewrap", ACTOR, "success")]

    # Step 3: the old key removed; everything still opens.
    async with gateway(configure(f"v2:{k2}")) as client:
        assert (await client.get("/readyz")).json()["checks"]["vault"] == "ok"
        await _reveal_all(client, admin, secrets)


async def test_tenantctl_vault_rotate_refuses_to_pretend(
    configure: Callable[[str], TenantApiSettings],
    token: Callable[..., str],
    sql_own: Sql,
    infra: TestInfra,
    own_db: str,
) -> None:
    k1, k2, lost_key = master_key(), master_key(), master_key()
    admin = bearer(token("admin"))
    secrets: Secrets = {}
    async with gateway(configure(f"v1:{k1}")) as client:
        for _ in range(2):
            tenant_id = await _onboard(client, admin)
            secrets[tenant_id, "stripe"] = await _store(client, admin, tenant_id, "stripe")
    async with gateway(configure(f"v3:{lost_key}")) as client:
        lost = await _onboard(client, admin)
        secrets[lost, "stripe"] = await _store(client, admin, lost, "stripe")

    env = {**os.environ, **infra.env, "DATABASE_URL": own_db}
    env.pop("VAULT_MASTER_KEY_VERSION", None)
    env["VAULT_MASTER_KEYS"] = f"v2:{k2},v1:{k1}"
    code, out, err = await tenantctl(env, "vault", "rotate", "--batch-size", "1")
    assert code == 1, (out, err)
    assert "3 data key(s) to re-wrap under master key v2" in out
    assert "1/3" in out
    assert "3/3" in out
    assert "re-wrapped 2, already current 0, failed 1" in out
    assert "cannot be unwrapped with any known master key (v2, v1)" in err
    assert lost in err
    for secret in (k1, k2, lost_key, *(v["clientSecret"] for v in secrets.values())):
        assert secret not in out + err
    versions = await _versions(sql_own)
    assert versions.pop(lost) == 3
    assert set(versions.values()) == {2}
    assert (await audit_trail(sql_own, lost))[-1] == (None, "rewrap", ACTOR, "failure")

    env["VAULT_MASTER_KEYS"] = f"v2:{k2},v1:{k1},v3:{lost_key}"
    code, out, err = await tenantctl(env, "vault", "rotate")
    assert code == 0, (out, err)
    assert "re-wrapped 1, already current 0, failed 0" in out

    async with gateway(configure(f"v2:{k2}")) as client:
        await _reveal_all(client, admin, secrets)
