"""Cancel, suspend / reactivate and offboarding, each through the gateway and the saga."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from service_kit_testing import TestInfra
from shared_schemas import Actor
from shared_schemas import events as contracts

from ..gateway import bearer  # type: ignore[import-not-found]
from ..saga import FakeProvisioner, Sql, eventually, processed, tenant_event  # type: ignore[import-not-found]

Provisioning = Callable[..., Awaitable[FakeProvisioner]]
NewTenant = Callable[..., Awaitable[dict[str, Any]]]


async def get_tenant(client: httpx.AsyncClient, token: Callable[..., str], tenant_id: Any) -> Any:
    return (await client.get(f"/tenants/{tenant_id}", headers=bearer(token("admin")))).json()


async def test_cancel_waits_for_the_provisioner_then_cancels(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    provisioning: Provisioning,
    event_tap: Any,
    sql: Sql,
) -> None:
    tap = await event_tap("tenant.cancel_requested", "tenant.cancelled")
    admin = bearer(token("admin"))
    saga = await provisioning()
    operator = await client.post(
        f"/tenants/{saga.tenant_id}/cancel", headers=bearer(token("operator"))
    )
    assert operator.status_code == 403
    response = await client.post(f"/tenants/{saga.tenant_id}/cancel", headers=admin)
    assert response.status_code == 202, response.text
    assert response.json() == {
        "tenantId": str(saga.tenant_id),
        "status": "PROVISIONING",
        "pipelineId": str(saga.pipeline_id),
    }
    (requested,) = await tenant_event(tap, "tenant.cancel_requested", saga.tenant_id)
    assert requested.data.pipeline_id == saga.pipeline_id
    assert (await get_tenant(client, token, saga.tenant_id))["status"] == "PROVISIONING"
    # Asking again is accepted, but the provisioner is asked once.
    again = await client.post(f"/tenants/{saga.tenant_id}/cancel", headers=admin)
    assert again.status_code == 202
    asked = await sql(
        "SELECT count(*) AS n FROM tenant_api.outbox "
        "WHERE event_type = 'tenant.cancel_requested' AND headers->>'x-tenant-id' = :t",
        t=str(saga.tenant_id),
    )
    assert asked[0].n == 1

    cancelled = saga.cancelled()
    await saga.publish(cancelled, cancelled)
    (event,) = await tenant_event(tap, "tenant.cancelled", saga.tenant_id)
    assert event.data.pipeline_id == saga.pipeline_id
    assert (await get_tenant(client, token, saga.tenant_id))["status"] == "CANCELLED"
    pipeline = (await client.get(f"/tenants/{saga.tenant_id}/pipeline", headers=admin)).json()
    assert pipeline["status"] == "CANCELLED"
    assert pipeline["cancelRequestedAt"] is not None
    late = await client.post(f"/tenants/{saga.tenant_id}/cancel", headers=admin)
    assert late.status_code == 409

    retry = await client.post(f"/tenants/{saga.tenant_id}/provision", headers=admin)
    assert retry.status_code == 202
    current = (await client.get(f"/tenants/{saga.tenant_id}/pipeline", headers=admin)).json()
    assert (current["run"], current["status"]) == (2, "RUNNING")


async def test_suspend_and_reactivate(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    provisioning: Provisioning,
    event_tap: Any,
) -> None:
    tap = await event_tap("tenant.suspended", "tenant.reactivated")
    admin = bearer(token("admin"))
    saga = await provisioning()
    await saga.publish(saga.completed())

    async def active() -> bool:
        return bool((await get_tenant(client, token, saga.tenant_id))["status"] == "ACTIVE")

    await eventually(active, what="ACTIVE")
    url = f"/tenants/{saga.tenant_id}"
    suspended = await client.post(f"{url}/suspend", params={"reason": "unpaid"}, headers=admin)
    assert suspended.status_code == 202
    assert suspended.json()["status"] == "SUSPENDED"
    (event,) = await tenant_event(tap, "tenant.suspended", saga.tenant_id)
    assert event.data.reason == "unpaid"
    assert event.actor == Actor(sub="test:admin", role="admin")
    # What the provisioner did about it, under the admin's name.
    role = f"tenant_{saga.tenant_id.hex[:8]}"
    await saga.publish(saga.access_changed(contracts.TenantAccessSuspended, event, [role]))

    async def timeline() -> dict[str, Any] | None:
        page = (await client.get(f"{url}/events", headers=admin, params={"limit": 200})).json()
        seen = {e["type"]: e for e in page["items"]}
        return seen if "tenant.access_suspended" in seen else None

    lines = await eventually(timeline, what="the suspension's effect on the timeline")
    # Who asked is kept with the entry; what the saga did on its own names nobody.
    assert lines["tenant.suspended"]["actor"] == {"sub": "test:admin", "role": "admin"}
    assert lines["tenant.access_suspended"]["actor"] == {"sub": "test:admin", "role": "admin"}
    assert lines["tenant.access_suspended"]["data"] == {
        "tenant_id": str(saga.tenant_id),
        "roles": [role],
    }
    assert lines["tenant.provisioning_requested"]["actor"]["role"] == "admin"
    assert lines["provisioning.completed"]["actor"] is None
    assert (await get_tenant(client, token, saga.tenant_id))["status"] == "SUSPENDED"
    assert (await client.post(f"{url}/suspend", headers=admin)).status_code == 409

    reactivated = await client.post(f"{url}/reactivate", headers=admin)
    assert reactivated.status_code == 202
    (back,) = await tenant_event(tap, "tenant.reactivated", saga.tenant_id)
    assert (await get_tenant(client, token, saga.tenant_id))["status"] == "ACTIVE"
    assert (await client.post(f"{url}/reactivate", headers=admin)).status_code == 409
    await saga.publish(saga.access_changed(contracts.TenantAccessRestored, back, [role]))

    async def restored() -> dict[str, Any] | None:
        found = await timeline()
        return found if found and "tenant.access_restored" in found else None

    lines = await eventually(restored, what="the reactivation's effect on the timeline")
    assert lines["tenant.access_restored"]["actor"] == {"sub": "test:admin", "role": "admin"}
    assert lines["tenant.access_restored"]["data"]["roles"] == [role]
    tenant_token = bearer(token("tenant", tenant_id=saga.tenant_id))
    assert (await client.post(f"{url}/suspend", headers=tenant_token)).status_code == 403


async def test_offboarding_keeps_the_record(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    new_tenant: NewTenant,
    event_tap: Any,
    sql: Sql,
    infra: TestInfra,
) -> None:
    tap = await event_tap("tenant.offboarding_requested", "tenant.offboarded")
    admin = bearer(token("admin"))
    tenant = await new_tenant()
    # Offboarding has no pipeline; the provisioner correlates by tenant.
    saga = FakeProvisioner(infra, uuid.UUID(tenant["id"]), uuid.UUID(tenant["id"]))
    # A deprovisioned that nobody asked for changes nothing.
    unasked = saga.deprovisioned()
    await saga.publish(unasked)
    await processed(sql, "offboarding", [unasked])
    assert (await get_tenant(client, token, tenant["id"]))["status"] == "PENDING_PROVISION"

    response = await client.delete(f"/tenants/{tenant['id']}", headers=admin)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "DEPROVISIONING"
    (requested,) = await tenant_event(tap, "tenant.offboarding_requested", tenant["id"])
    assert requested.data.tenant_id == saga.tenant_id
    assert (await client.delete(f"/tenants/{tenant['id']}", headers=admin)).status_code == 409
    assert (
        await client.post(f"/tenants/{tenant['id']}/provision", headers=admin)
    ).status_code == 409

    await saga.publish(saga.deprovisioned())
    (offboarded,) = await tenant_event(tap, "tenant.offboarded", tenant["id"])
    assert (offboarded.data.key, offboarded.data.contact.email) == (
        tenant["key"],
        "bill@initech.example",
    )
    kept = await get_tenant(client, token, tenant["id"])
    assert kept["status"] == "OFFBOARDED"
    assert kept["key"] == tenant["key"]
    assert (await client.delete(f"/tenants/{tenant['id']}", headers=admin)).status_code == 409
