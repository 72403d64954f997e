"""Test helpers: a tenant's timeline once every event written about it has been recorded."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from service_kit_testing import SqlRunner

from .saga import eventually

# Outbox rows naming the tenant (the relay's `x-tenant-id` header) not yet on its timeline.
_UNRECORDED = (
    "SELECT count(*) AS n FROM tenant_api.outbox o "
    "WHERE o.headers->>'x-tenant-id' = :t AND NOT EXISTS "
    "(SELECT 1 FROM tenant_api.tenant_events e WHERE e.event_id = o.id)"
)


async def settled(sql: SqlRunner, tenant_id: Any) -> None:
    """Wait until every event tenant-api wrote about the tenant is on its timeline."""

    async def recorded() -> bool:
        rows = await sql(_UNRECORDED, t=str(tenant_id))
        return bool(rows[0].n == 0)

    await eventually(recorded, what=f"tenant {tenant_id}'s events on its timeline")


async def timeline(
    client: httpx.AsyncClient,
    sql: SqlRunner,
    tenant_id: Any,
    headers: dict[str, str],
    *,
    types: str = "tenant.",
) -> list[dict[str, Any]]:
    """The tenant's settled timeline entries whose type starts with `types`, oldest first."""
    await settled(sql, tenant_id)
    answer = await client.get(
        f"/tenants/{tenant_id}/events", params={"limit": 200}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return [e for e in items if e["type"].startswith(types)]


async def outbox_types(sql: SqlRunner, tenant_id: Any) -> list[str]:
    """The types of the events tenant-api wrote about the tenant, oldest first."""
    rows = await sql(
        "SELECT event_type FROM tenant_api.outbox WHERE headers->>'x-tenant-id' = :t "
        "ORDER BY created_at, id",
        t=str(uuid.UUID(str(tenant_id))),
    )
    return [r.event_type for r in rows]
