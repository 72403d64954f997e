"""Cancel, suspend / reactivate and offboarding, each through the gateway and the saga."""

from __future__ import annotations

import uuid
from typing import Any

from service_kit_testing import TestInfra
from shared_schemas import Actor
from shared_schemas import events as contracts

from ..desk import Desk  # type: ignore[import-not-found]
from ..gateway import bearer  # type: ignore[import-not-found]
from ..saga import FakeProvisioner, eventually, processed, tenant_event  # type: ignore[import-not-found]


async def test_cancel_waits_for_the_provisioner_then_cancels(desk: Desk, event_tap: Any) -> None:
    tap = await event_tap("tenant.cancel_requested", "tenant.cancelled")
    admin = desk.admin
    saga = await desk.provisioning()
    operator = await desk.client.post(
        f"/tenants/{saga.tenant_id}/cancel", headers=bearer(desk.token("operator"))
    )
    assert operator.status_code == 403
    response = await desk.client.post(f"/tenants/{saga.tenant_id}/cancel", headers=admin)
    assert response.status_code == 202, response.text
    assert response.json() == {
        "tenantId": str(saga.tenant_id),
        "status": "PROVISIONING",
        "pipelineId": str(saga.pipeline_id),
    }
    (requested,) = await tenant_event(tap, "tenant.cancel_requested", saga.tenant_id)
    assert requested.data.pipeline_id == saga.pipeline_id
    assert await desk.status(saga.tenant_id) == "PROVISIONING"
    # Asking again is accepted, but the provisioner is asked once.
    again = await desk.client.post(f"/tenants/{saga.tenant_id}/cancel", headers=admin)
    assert again.status_code == 202
    asked = await desk.sql(
        "SELECT count(*) AS n FROM tenant_api.outbox "
        "WHERE event_type = 'tenant.cancel_requested' AND headers->>'x-tenant-id' = :t",
        t=str(saga.tenant_id),
    )
    assert asked[0].n == 1

    cancelled = saga.cancelled()
    await saga.publish(cancelled, cancelled)
    (event,) = await tenant_event(tap, "tenant.cancelled", saga.tenant_id)
    assert event.data.pipeline_id == saga.pipeline_id
    assert await desk.status(saga.tenant_id) == "CANCELLED"
    pipeline = await desk.pipeline(saga.tenant_id)
    assert pipeline["status"] == "CANCELLED"
    assert pipeline["cancelRequestedAt"] is not None
    late = await desk.client.post(f"/tenants/{saga.tenant_id}/cancel", headers=admin)
    assert late.status_code == 409

    retry = await desk.client.post(f"/tenants/{saga.tenant_id}/provision", headers=admin)
    assert retry.status_code == 202
    current = await desk.pipeline(saga.tenant_id)
    assert (current["run"], current["status"]) == (2, "RUNNING")


async def test_suspend_and_reactivate(desk: Desk, event_tap: Any) -> None:
    tap = await event_tap("tenant.suspended", "tenant.reactivated")
    admin = desk.admin
    saga = await desk.active()
    url = f"/tenants/{saga.tenant_id}"
    suspended = await desk.client.post(f"{url}/suspend", params={"reason": "unpaid"}, headers=admin)
    assert suspended.status_code == 202
    assert suspended.json()["status"] == "SUSPENDED"
    (event,) = await tenant_event(tap, "tenant.suspended", saga.tenant_id)
    assert event.data.reason == "unpaid"
    assert event.actor == Actor(sub="test:admin", role="admin")
    # What the provisioner did about it, under the admin's name.
    role = f"tenant_{saga.tenant_id.hex[:8]}"
    await saga.publish(saga.access_changed(contracts.TenantAccessSuspended, event, [role]))

    async def timeline() -> dict[str, Any] | None:
        page = (await desk.client.get(f"{url}/events", headers=admin, params={"limit": 200})).json()
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
    assert await desk.status(saga.tenant_id) == "SUSPENDED"
    assert (await desk.client.post(f"{url}/suspend", headers=admin)).status_code == 409

    reactivated = await desk.client.post(f"{url}/reactivate", headers=admin)
    assert reactivated.status_code == 202
    (back,) = await tenant_event(tap, "tenant.reactivated", saga.tenant_id)
    assert await desk.status(saga.tenant_id) == "ACTIVE"
    assert (await desk.client.post(f"{url}/reactivate", headers=admin)).status_code == 409
    await saga.publish(saga.access_changed(contracts.TenantAccessRestored, back, [role]))

    async def restored() -> dict[str, Any] | None:
        found = await timeline()
        return found if found and "tenant.access_restored" in found else None

    lines = await eventually(restored, what="the reactivation's effect on the timeline")
    assert lines["tenant.access_restored"]["actor"] == {"sub": "test:admin", "role": "admin"}
    assert lines["tenant.access_restored"]["data"]["roles"] == [role]
    tenant_token = desk.own(saga.tenant_id)
    assert (await desk.client.post(f"{url}/suspend", headers=tenant_token)).status_code == 403


async def test_offboarding_keeps_the_record(desk: Desk, event_tap: Any, infra: TestInfra) -> None:
    tap = await event_tap("tenant.offboarding_requested", "tenant.offboarded")
    admin = desk.admin
    tenant = await desk.new_tenant()
    # Offboarding has no pipeline; the provisioner correlates by tenant.
    saga = FakeProvisioner(infra, uuid.UUID(tenant["id"]), uuid.UUID(tenant["id"]))
    # A deprovisioned that nobody asked for changes nothing.
    unasked = saga.deprovisioned()
    await saga.publish(unasked)
    await processed(desk.sql, "offboarding", [unasked])
    assert await desk.status(tenant["id"]) == "PENDING_PROVISION"

    response = await desk.client.delete(f"/tenants/{tenant['id']}", headers=admin)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "DEPROVISIONING"
    (requested,) = await tenant_event(tap, "tenant.offboarding_requested", tenant["id"])
    assert requested.data.tenant_id == saga.tenant_id
    assert (await desk.client.delete(f"/tenants/{tenant['id']}", headers=admin)).status_code == 409
    assert (
        await desk.client.post(f"/tenants/{tenant['id']}/provision", headers=admin)
    ).status_code == 409

    await saga.publish(saga.deprovisioned())
    (offboarded,) = await tenant_event(tap, "tenant.offboarded", tenant["id"])
    assert (offboarded.data.key, offboarded.data.contact.email) == (
        tenant["key"],
        "bill@initech.example",
    )
    kept = await desk.tenant(tenant["id"])
    assert kept["status"] == "OFFBOARDED"
    assert kept["key"] == tenant["key"]
    assert (await desk.client.delete(f"/tenants/{tenant['id']}", headers=admin)).status_code == 409
