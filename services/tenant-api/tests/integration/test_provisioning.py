"""Provisioning through the gateway: the request, its outcomes, retries, and refusals."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from service_kit_testing import TestInfra
from shared_schemas.events import LeadVerified, PlanFacts, Tier

from ..desk import Desk  # type: ignore[import-not-found]
from ..gateway import bearer  # type: ignore[import-not-found]
from ..saga import FakeProvisioner, at, processed, tenant_event  # type: ignore[import-not-found]

NewTenant = Callable[..., Awaitable[dict[str, Any]]]


async def test_provision_answers_202_and_requests_a_pipeline_with_the_plan_facts(
    desk: Desk, new_tenant: NewTenant, event_tap: Any
) -> None:
    tap = await event_tap("tenant.provisioning_requested")
    tenant = await new_tenant(tier="silo")
    assert tenant["planId"] == "standard"
    admin = desk.admin
    response = await desk.client.post(f"/tenants/{tenant['id']}/provision", headers=admin)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "PROVISIONING"
    pipeline_id = body["pipelineId"]
    assert await desk.status(tenant["id"]) == "PROVISIONING"

    (event,) = await tenant_event(tap, "tenant.provisioning_requested", tenant["id"])
    assert str(event.correlation_id) == pipeline_id
    d = event.data
    assert (str(d.pipeline_id), d.key, d.name, d.tier, d.run) == (
        pipeline_id,
        tenant["key"],
        tenant["name"],
        Tier.SILO,
        1,
    )
    assert d.plan == PlanFacts(
        id="standard",
        name="Standard",
        tiers=[Tier.POOLED, Tier.SILO],
        price="49.00",
        currency="USD",
        billing_period="monthly",
        external_infrastructure=None,
    )
    assert d.requested_by == "test:admin"
    assert d.contact.email == "bill@initech.example"

    pipeline = await desk.client.get(f"/tenants/{tenant['id']}/pipeline", headers=admin)
    assert pipeline.status_code == 200
    assert pipeline.json()["id"] == pipeline_id
    assert (pipeline.json()["run"], pipeline.json()["status"]) == (1, "RUNNING")
    assert pipeline.json()["steps"] == []


async def test_enterprise_plan_facts_ask_for_external_infrastructure(
    client: httpx.AsyncClient, token: Callable[..., str], new_tenant: NewTenant, event_tap: Any
) -> None:
    tap = await event_tap("tenant.provisioning_requested")
    tenant = await new_tenant(tier="silo", plan_id="enterprise")
    response = await client.post(
        f"/tenants/{tenant['id']}/provision", headers=bearer(token("admin"))
    )
    assert response.status_code == 202
    (event,) = await tenant_event(tap, "tenant.provisioning_requested", tenant["id"])
    assert (event.data.plan.price, event.data.plan.billing_period) == ("499.00", "yearly")
    assert event.data.plan.external_infrastructure is True


async def test_the_onboarding_lead_may_provision_its_own_tenant_only(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    verified_lead: Callable[..., Awaitable[LeadVerified]],
    new_tenant: NewTenant,
    event_tap: Any,
) -> None:
    tap = await event_tap("tenant.provisioning_requested")
    lead = await verified_lead()
    lead_token = bearer(token("lead", lead_id=lead.data.lead_id))
    onboarded = await client.post(
        f"/leads/{lead.data.lead_id}/tenants",
        json={"key": "l" + uuid.uuid4().hex[:12], "domains": ["engines.example"], "tier": "pooled"},
        headers=lead_token,
    )
    assert onboarded.status_code == 201, onboarded.text
    tenant_id = onboarded.json()["id"]
    other = await new_tenant()

    assert (
        await client.post(f"/tenants/{other['id']}/provision", headers=lead_token)
    ).status_code == 404
    for role, claims in (("operator", {}), ("tenant", {"tenant_id": tenant_id})):
        refused = await client.post(
            f"/tenants/{tenant_id}/provision", headers=bearer(token(role, **claims))
        )
        assert refused.status_code == 403, role
    accepted = await client.post(f"/tenants/{tenant_id}/provision", headers=lead_token)
    assert accepted.status_code == 202, accepted.text
    (event,) = await tenant_event(tap, "tenant.provisioning_requested", tenant_id)
    assert event.data.requested_by == "test:lead"


async def test_refused_transitions_are_409_and_change_nothing(
    desk: Desk, new_tenant: NewTenant
) -> None:
    admin = desk.admin
    pending = await new_tenant()
    running = await desk.provisioning()

    async def snapshot(tenant_id: Any) -> tuple[Any, ...]:
        tenant = await desk.tenant(tenant_id)
        pipelines = await desk.sql(
            "SELECT id, status FROM tenant_api.pipelines WHERE tenant_id = :t ORDER BY run",
            t=tenant_id,
        )
        outbox = await desk.sql(
            "SELECT id FROM tenant_api.outbox WHERE headers->>'x-tenant-id' = :t ORDER BY id",
            t=str(tenant_id),
        )
        return tenant, pipelines, outbox

    cases = [
        (pending["id"], "cancel"),
        (pending["id"], "suspend"),
        (pending["id"], "reactivate"),
        (running.tenant_id, "provision"),  # a second pipeline while one runs
        (running.tenant_id, "suspend"),
        (running.tenant_id, "reactivate"),  # ACTIVE is reached from PROVISIONING by the saga only
    ]
    for tenant_id, action in cases:
        before = await snapshot(tenant_id)
        response = await desk.client.post(f"/tenants/{tenant_id}/{action}", headers=admin)
        assert response.status_code == 409, (action, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("invalid-transition")
        assert await snapshot(tenant_id) == before, action
    before = await snapshot(running.tenant_id)
    deleting = await desk.client.delete(f"/tenants/{running.tenant_id}", headers=admin)
    assert deleting.status_code == 409
    assert await snapshot(running.tenant_id) == before

    missing = await desk.client.post(f"/tenants/{uuid.uuid4()}/provision", headers=admin)
    assert missing.status_code == 404


async def test_completed_makes_the_tenant_active_and_announces_it(
    desk: Desk, event_tap: Any
) -> None:
    tap = await event_tap("tenant.activated")
    saga = await desk.provisioning()
    completed = saga.completed("https://initech.app.example")
    await saga.publish(completed)
    (event,) = await tenant_event(tap, "tenant.activated", saga.tenant_id)
    assert event.data.app_url == "https://initech.app.example"
    assert event.data.contact.email == "bill@initech.example"
    assert event.causation_id == completed.id
    assert await desk.status(saga.tenant_id) == "ACTIVE"
    pipeline = await desk.pipeline(saga.tenant_id)
    assert pipeline["status"] == "SUCCEEDED"
    assert pipeline["finishedAt"] is not None

    # A late outcome (even a contradicting one) changes nothing once the tenant moved on.
    late = saga.failed_pipeline("billing", "too late")
    await saga.publish(late, saga.completed())
    await processed(desk.sql, "pipeline-outcomes", [late])
    assert await desk.status(saga.tenant_id) == "ACTIVE"
    again = await desk.pipeline(saga.tenant_id)
    assert again == pipeline


async def test_failed_then_retry_starts_run_2_and_ignores_the_old_pipeline(
    desk: Desk, event_tap: Any
) -> None:
    tap = await event_tap("tenant.provisioning_failed", "tenant.provisioning_requested")
    admin = desk.admin
    first = await desk.provisioning()
    await first.publish(
        first.started("preflight", 1, at(0)),
        first.failed("preflight", 1, at(1), "key reserved", will_retry=False),
        first.failed_pipeline("preflight", "key reserved"),
    )
    (failed,) = await tenant_event(tap, "tenant.provisioning_failed", first.tenant_id)
    assert (failed.data.step, failed.data.reason) == ("preflight", "key reserved")
    assert failed.data.pipeline_id == first.pipeline_id
    assert failed.data.contact.email == "bill@initech.example"
    assert await desk.status(first.tenant_id) == "PROVISION_FAILED"
    old = await desk.pipeline(first.tenant_id)
    assert (old["status"], old["failureStep"], old["failureReason"]) == (
        "FAILED",
        "preflight",
        "key reserved",
    )

    retry = await desk.client.post(f"/tenants/{first.tenant_id}/provision", headers=admin)
    assert retry.status_code == 202, retry.text
    second = FakeProvisioner(first.infra, first.tenant_id, uuid.UUID(retry.json()["pipelineId"]))
    assert second.pipeline_id != first.pipeline_id
    requests = await tenant_event(tap, "tenant.provisioning_requested", first.tenant_id, count=2)
    assert sorted(e.data.run for e in requests) == [1, 2]

    # The old pipeline's late events touch neither the new pipeline nor the tenant.
    stale = [
        first.started("database", 1, at(5)),
        first.succeeded("database", 1, at(6)),
        first.completed(),
    ]
    await first.publish(*stale)
    await processed(desk.sql, "pipeline-steps", stale[:2])
    await processed(desk.sql, "pipeline-outcomes", stale[2:])
    current = await desk.pipeline(first.tenant_id)
    assert (current["id"], current["run"], current["status"], current["steps"]) == (
        str(second.pipeline_id),
        2,
        "RUNNING",
        [],
    )
    assert await desk.status(first.tenant_id) == "PROVISIONING"

    await second.publish(second.completed())
    await desk.reaches(first.tenant_id, "ACTIVE")


async def test_unknown_plan_is_422_and_plans_are_listed(
    client: httpx.AsyncClient, token: Callable[..., str], infra: TestInfra
) -> None:
    body = {
        "key": "p" + uuid.uuid4().hex[:12],
        "name": "Planless",
        "domains": ["planless.example"],
        "tier": "pooled",
        "planId": "platinum",
        "contact": {"firstName": "A", "lastName": "B", "email": "a@planless.example"},
    }
    response = await client.post("/tenants", json=body, headers=bearer(token("admin")))
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "unknown_plan"
    assert response.json()["errors"][0]["loc"] == ["body", "planId"]

    plans = await client.get("/plans", headers=bearer(token("lead", lead_id=uuid.uuid4())))
    assert plans.status_code == 200
    by_id = {p["id"]: p for p in plans.json()["items"]}
    assert list(by_id) == ["starter", "standard", "enterprise"]
    assert by_id["starter"] == {
        "id": "starter",
        "name": "Starter",
        "tiers": ["pooled"],
        "price": "0.00",
        "currency": "USD",
        "billingPeriod": "monthly",
        "externalInfrastructure": None,
        "limits": by_id["starter"]["limits"],
    }
    assert (by_id["standard"]["tiers"], by_id["standard"]["price"]) == (["pooled", "silo"], "49.00")
    assert (by_id["enterprise"]["price"], by_id["enterprise"]["billingPeriod"]) == (
        "499.00",
        "yearly",
    )
    assert by_id["enterprise"]["externalInfrastructure"] is True
    assert (await client.get("/plans")).status_code == 401
