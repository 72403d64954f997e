"""Invoices, the one-time API key, the timeline in pages, and tenant isolation."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from redis.asyncio import Redis

from tenant_api.settings import TenantApiSettings

from ..gateway import bearer  # type: ignore[import-not-found]
from ..saga import FakeProvisioner, Sql, at, processed  # type: ignore[import-not-found]

Provisioning = Callable[..., Awaitable[FakeProvisioner]]


async def test_invoices_are_recorded_once_and_listed(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    provisioning: Provisioning,
    sql: Sql,
) -> None:
    saga = await provisioning()
    invoice = saga.invoice("49.00")
    await saga.publish(invoice, invoice)
    orphan = FakeProvisioner(saga.infra, uuid.uuid4(), uuid.uuid4()).invoice()
    await saga.publish(orphan)
    await processed(sql, "invoices", [invoice, orphan])

    own = bearer(token("tenant", tenant_id=saga.tenant_id))
    for headers in (own, bearer(token("operator")), bearer(token("admin"))):
        response = await client.get(f"/tenants/{saga.tenant_id}/invoices", headers=headers)
        assert response.status_code == 200
        assert response.json() == {
            "items": [
                {
                    "id": str(invoice.data.invoice_id),
                    "tenantId": str(saga.tenant_id),
                    "pipelineId": str(saga.pipeline_id),
                    "planId": "standard",
                    "amount": "49.00",
                    "currency": "USD",
                    "periodStart": response.json()["items"][0]["periodStart"],
                    "periodEnd": response.json()["items"][0]["periodEnd"],
                    "status": "PENDING",
                    "createdAt": response.json()["items"][0]["createdAt"],
                    "paidAt": None,
                }
            ],
            "count": 1,
        }
    assert (
        await sql("SELECT id FROM tenant_api.invoices WHERE id = :i", i=orphan.data.invoice_id)
        == []
    )


async def test_another_tenants_token_sees_nothing(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    provisioning: Provisioning,
    settings: TenantApiSettings,
    redis: Redis,
    sql: Sql,
) -> None:
    saga = await provisioning()
    invoice = saga.invoice()
    await saga.publish(saga.started("preflight", 1, at(0)), invoice)
    await processed(sql, "invoices", [invoice])
    await saga.publish(saga.completed())
    issued = saga.key_issued("cp_secret_2")
    await saga.publish(issued)
    await processed(sql, "api-keys", [issued])

    stranger = bearer(token("tenant", tenant_id=uuid.uuid4()))
    for path in ("pipeline", "events", "invoices", "api-key"):
        response = await client.get(f"/tenants/{saga.tenant_id}/{path}", headers=stranger)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
    # The stranger did not consume it.
    assert (
        await sql(
            "SELECT 1 FROM tenant_api.api_key_handovers WHERE api_key_id = :k",
            k=issued.data.api_key_id,
        )
        != []
    )

    own = bearer(token("tenant", tenant_id=saga.tenant_id))
    for path in ("pipeline", "events", "invoices"):
        response = await client.get(f"/tenants/{saga.tenant_id}/{path}", headers=own)
        assert response.status_code == 200, path
    lead = bearer(token("lead", lead_id=uuid.uuid4()))
    response = await client.get(f"/tenants/{saga.tenant_id}/pipeline", headers=lead)
    assert response.status_code == 403
    for path in ("pipeline", "events", "invoices"):
        missing = await client.get(
            f"/tenants/{uuid.uuid4()}/{path}", headers=bearer(token("admin"))
        )
        assert missing.status_code == 404, path


async def test_timeline_pages_oldest_first(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    provisioning: Provisioning,
    sql: Sql,
) -> None:
    saga = await provisioning()
    steps = [saga.started(f"step{i}", 1, at(i)) for i in range(5)]
    await saga.publish(*steps)
    await processed(sql, "timeline", steps)
    admin = bearer(token("admin"))
    url = f"/tenants/{saga.tenant_id}/events"

    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, **({"after": cursor} if cursor else {})}
        page = (await client.get(url, params=params, headers=admin)).json()
        seen.extend(page["items"])
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            break
    everything = (await client.get(url, params={"limit": 200}, headers=admin)).json()
    assert everything["nextCursor"] is None
    assert seen == everything["items"]
    assert pages == (len(seen) + 1) // 2  # no empty last page
    types = [e["type"] for e in seen]
    assert types[:2] == ["tenant.onboarded", "tenant.provisioning_requested"]
    assert types.count("provisioning.step_started") == 5
    times = [e["occurredAt"] for e in seen]
    assert times == sorted(times)

    for bad in ({"limit": 201}, {"limit": 0}, {"after": "not-a-cursor"}):
        response = await client.get(url, params=bad, headers=admin)
        assert response.status_code == 422, bad
        assert response.headers["content-type"] == "application/problem+json"
