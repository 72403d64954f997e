"""Invoices, the one-time API key, the timeline in pages, and tenant isolation."""

from __future__ import annotations

import uuid
from typing import Any

from redis.asyncio import Redis

from tenant_api.settings import TenantApiSettings

from ..desk import Desk  # type: ignore[import-not-found]
from ..gateway import bearer  # type: ignore[import-not-found]
from ..saga import FakeProvisioner, at, processed  # type: ignore[import-not-found]


async def test_invoices_are_recorded_once_and_listed(desk: Desk) -> None:
    saga = await desk.provisioning()
    invoice = saga.invoice("49.00")
    await saga.publish(invoice, invoice)
    orphan = FakeProvisioner(saga.infra, uuid.uuid4(), uuid.uuid4()).invoice()
    await saga.publish(orphan)
    await processed(desk.sql, "invoices", [invoice, orphan])

    own = desk.own(saga.tenant_id)
    for headers in (own, bearer(desk.token("operator")), desk.admin):
        response = await desk.client.get(f"/tenants/{saga.tenant_id}/invoices", headers=headers)
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
        await desk.sql("SELECT id FROM tenant_api.invoices WHERE id = :i", i=orphan.data.invoice_id)
        == []
    )


async def test_another_tenants_token_sees_nothing(
    desk: Desk, settings: TenantApiSettings, redis: Redis
) -> None:
    saga = await desk.provisioning()
    invoice = saga.invoice()
    await saga.publish(saga.started("preflight", 1, at(0)), invoice)
    await processed(desk.sql, "invoices", [invoice])
    await saga.publish(saga.completed())
    issued = saga.key_issued("cp_secret_2")
    await saga.publish(issued)
    await processed(desk.sql, "api-keys", [issued])

    stranger = desk.own(uuid.uuid4())
    for path in ("pipeline", "events", "invoices", "api-key"):
        response = await desk.client.get(f"/tenants/{saga.tenant_id}/{path}", headers=stranger)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
    # The stranger did not consume it.
    assert (
        await desk.sql(
            "SELECT 1 FROM tenant_api.api_key_handovers WHERE api_key_id = :k",
            k=issued.data.api_key_id,
        )
        != []
    )

    own = desk.own(saga.tenant_id)
    for path in ("pipeline", "events", "invoices"):
        response = await desk.client.get(f"/tenants/{saga.tenant_id}/{path}", headers=own)
        assert response.status_code == 200, path
    lead = bearer(desk.token("lead", lead_id=uuid.uuid4()))
    response = await desk.client.get(f"/tenants/{saga.tenant_id}/pipeline", headers=lead)
    assert response.status_code == 403
    for path in ("pipeline", "events", "invoices"):
        missing = await desk.client.get(f"/tenants/{uuid.uuid4()}/{path}", headers=desk.admin)
        assert missing.status_code == 404, path


async def test_timeline_pages_oldest_first(desk: Desk) -> None:
    saga = await desk.provisioning()
    steps = [saga.started(f"step{i}", 1, at(i)) for i in range(5)]
    await saga.publish(*steps)
    await processed(desk.sql, "timeline", steps)
    admin = desk.admin
    url = f"/tenants/{saga.tenant_id}/events"

    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, **({"after": cursor} if cursor else {})}
        page = (await desk.client.get(url, params=params, headers=admin)).json()
        seen.extend(page["items"])
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            break
    everything = (await desk.client.get(url, params={"limit": 200}, headers=admin)).json()
    assert everything["nextCursor"] is None
    assert seen == everything["items"]
    assert pages == (len(seen) + 1) // 2  # no empty last page
    types = [e["type"] for e in seen]
    assert types[:2] == ["tenant.onboarded", "tenant.provisioning_requested"]
    assert types.count("provisioning.step_started") == 5
    times = [e["occurredAt"] for e in seen]
    assert times == sorted(times)

    for bad in ({"limit": 201}, {"limit": 0}, {"after": "not-a-cursor"}):
        response = await desk.client.get(url, params=bad, headers=admin)
        assert response.status_code == 422, bad
        assert response.headers["content-type"] == "application/problem+json"
