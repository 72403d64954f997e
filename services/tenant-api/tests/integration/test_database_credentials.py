"""A tenant's database login in the vault: the provisioner's sealed handover stored (a newer
one never replaced by an older), read masked by the tenant and in plaintext by an admin, on
the timeline; and the rotation of its password requested."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared_schemas import Actor

from ..gateway import bearer  # type: ignore[import-not-found]
from ..saga import FakeProvisioner, Sql, activate, processed  # type: ignore[import-not-found]
from ..timeline import timeline  # type: ignore[import-not-found]
from ..vault import audit_trail  # type: ignore[import-not-found]

Provisioning = Callable[..., Awaitable[FakeProvisioner]]
CONSUMER = "database-credentials"
OLD, NEW = "0123456789abcdef" * 3, "fedcba9876543210" * 3
ADMIN = Actor(sub="ops@acme.example", role="admin")


async def test_the_handover_is_kept_newest_first_read_masked_and_revealed_to_its_tenant(
    client: httpx.AsyncClient, token: Callable[..., str], provisioning: Provisioning, sql: Sql
) -> None:
    saga = await provisioning()
    await activate(saga, sql)
    now = datetime.now(UTC)
    first = saga.database_issued(OLD, issued_at=now)
    await saga.publish(first)
    await processed(sql, CONSUMER, [first])
    url = f"/tenants/{saga.tenant_id}/credentials/database"
    own = bearer(token("tenant", tenant_id=saga.tenant_id))
    admin = bearer(token("admin"))

    masked = await client.get(url, headers=own)
    assert masked.status_code == 200, masked.text
    assert masked.json()["masked"] is True
    tenant = str(saga.tenant_id)
    assert (
        masked.json()["values"] | {"issued_at": "…"}
        == {
            "host": "****",  # short values show nothing
            "port": "****",
            "database": "****",
            "role": "****",
            "password": "01…ef",
            "pooled_table": "po…ds",
            "row_tenant_id": f"{tenant[:2]}…{tenant[-2:]}",
            "issued_at": "…",
        }
    )
    # Handed over to be used: the tenant reveals its own login (audited), as an admin may.
    mine = await client.get(url, params={"reveal": "true"}, headers=own)
    assert mine.status_code == 200, mine.text
    assert (mine.json()["masked"], mine.json()["values"]["password"]) == (False, OLD)
    assert mine.headers["cache-control"] == "no-store"

    # A rotation's newer password replaces it; the older, delivered late, does not come back.
    newer = saga.database_issued(NEW, issued_at=now + timedelta(seconds=5), actor=ADMIN)
    stale = saga.database_issued(OLD, issued_at=now - timedelta(seconds=5))
    await saga.publish(newer, stale)
    await processed(sql, CONSUMER, [newer, stale])
    revealed = await client.get(url, params={"reveal": "true"}, headers=admin)
    assert revealed.status_code == 200, revealed.text
    values = revealed.json()["values"]
    assert (values["password"], values["role"], values["host"]) == (
        NEW,
        "tenant_acme",
        "db.example",
    )
    assert (values["port"], values["database"]) == ("5432", "tenant_data")
    assert values["row_tenant_id"] == str(saga.tenant_id)
    assert datetime.fromisoformat(values["issued_at"]) == now + timedelta(seconds=5)

    stored = [
        e
        for e in await timeline(client, sql, saga.tenant_id, admin)
        if e["type"] == "tenant.credential_stored"
    ]
    assert [e["actor"] for e in stored] == [
        {"sub": "provisioner", "role": "service"},
        {"sub": ADMIN.sub, "role": ADMIN.role},
    ]
    assert [e["data"]["created"] for e in stored] == [True, False]
    for event in stored:
        assert OLD not in str(event)
        assert NEW not in str(event)
    trail = await audit_trail(sql, saga.tenant_id)
    stores = [(actor, outcome) for _, action, actor, outcome in trail if action == "store"]
    assert stores == [("provisioner", "success"), (ADMIN.sub, "success")]  # not the stale one
    assert ("database", "reveal", "test:admin", "success") in trail
    assert ("database", "reveal", "test:tenant", "success") in trail


async def test_a_rotation_is_requested_by_the_tenant_or_an_admin_for_an_active_tenant_only(
    client: httpx.AsyncClient, token: Callable[..., str], provisioning: Provisioning, sql: Sql
) -> None:
    saga = await provisioning()
    url = f"/tenants/{saga.tenant_id}/database/rotate-password"
    own = bearer(token("tenant", tenant_id=saga.tenant_id))

    refused = await client.post(url, headers=own)  # still PROVISIONING
    assert refused.status_code == 409, refused.text
    assert refused.json()["tenantStatus"] == "PROVISIONING"
    await activate(saga, sql)
    other = bearer(token("tenant", tenant_id=uuid.uuid4()))
    assert (await client.post(url, headers=other)).status_code == 404
    assert (await client.post(url, headers=bearer(token("operator")))).status_code == 403

    accepted = await client.post(url, headers=own)
    assert accepted.status_code == 202, accepted.text
    assert accepted.json() == {
        "tenantId": str(saga.tenant_id),
        "status": "ACTIVE",
        "credential": f"/tenants/{saga.tenant_id}/credentials/database",
    }
    rows = await sql(
        "SELECT convert_from(payload, 'UTF8')::jsonb AS payload FROM tenant_api.outbox"
        " WHERE headers->>'x-tenant-id' = :t"
        " AND event_type = 'tenant.database_password_rotation_requested'",
        t=str(saga.tenant_id),
    )
    assert len(rows) == 1
    payload: dict[str, Any] = rows[0].payload
    assert payload["data"] == {"tenant_id": str(saga.tenant_id), "requested_by": "test:tenant"}
    assert payload["actor"]["role"] == "tenant"
