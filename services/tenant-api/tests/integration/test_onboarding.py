"""Onboarding a verified lead's tenant through the gateway, and reading it back."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from shared_schemas.events import LeadVerified
from tenant_api.settings import TenantApiSettings

from ..gateway import bearer  # type: ignore[import-not-found]

Sql = Callable[..., Awaitable[list[Any]]]


def unique_key() -> str:
    return "t" + uuid.uuid4().hex[:12]


async def test_verified_lead_onboards_a_tenant_with_its_contact_and_address(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    verified_lead: Callable[..., Awaitable[LeadVerified]],
    event_tap: Any,
) -> None:
    tap = await event_tap("tenant.onboarded")
    lead = await verified_lead()
    lead_token = token("lead", lead_id=lead.data.lead_id)
    key = unique_key()
    response = await client.post(
        f"/leads/{lead.data.lead_id}/tenants",
        json={"key": key, "domains": ["Engines.Example"], "tier": "silo"},
        headers=bearer(lead_token),
    )
    assert response.status_code == 201, response.text
    tenant = response.json()
    assert tenant["status"] == "PENDING_PROVISION"
    assert tenant["key"] == key
    assert tenant["name"] == "Analytical Engines"
    assert tenant["domains"] == ["engines.example"]
    assert tenant["leadId"] == str(lead.data.lead_id)
    (contact,) = tenant["contacts"]
    assert (contact["firstName"], contact["lastName"], contact["email"], contact["isPrimary"]) == (
        "Ada",
        "Lovelace",
        str(lead.data.email),
        True,
    )
    assert tenant["address"] == {
        "address": "1 Loom St",
        "city": "London",
        "state": None,
        "zip": "N1",
        "country": "GB",
    }
    (event,) = await tap.wait_for("tenant.onboarded")
    assert str(event.tenant_id) == tenant["id"]
    assert event.data.contact.email == lead.data.email

    admin = await client.get(f"/tenants/{tenant['id']}", headers=bearer(token("admin")))
    assert admin.status_code == 200
    assert admin.json() == tenant
    own = await client.get(
        f"/tenants/{tenant['id']}", headers=bearer(token("tenant", tenant_id=tenant["id"]))
    )
    assert own.status_code == 200
    assert own.json()["id"] == tenant["id"]


async def test_bad_onboarding_requests_change_nothing(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    verified_lead: Callable[..., Awaitable[LeadVerified]],
    sql: Sql,
) -> None:
    lead = await verified_lead()
    lead_id = lead.data.lead_id
    url = f"/leads/{lead_id}/tenants"
    good = {"key": unique_key(), "domains": ["engines.example"], "tier": "pooled"}
    own = bearer(token("lead", lead_id=lead_id))

    cases: list[tuple[dict[str, Any], dict[str, str], int, str]] = [
        ({**good, "key": "UPPER"}, own, 422, "validation"),
        ({**good, "key": "ab"}, own, 422, "validation"),
        ({**good, "domains": ["not a domain"]}, own, 422, "validation"),
        ({**good, "domains": ["other.example"]}, own, 422, "validation"),
        ({**good, "tier": "gold"}, own, 422, "validation"),
        ({**good, "status": "ACTIVE"}, own, 422, "validation"),
        (good, bearer(token("lead", lead_id=uuid.uuid4())), 403, "forbidden"),
        (good, bearer(token("admin")), 403, "forbidden"),
        (good, {"Authorization": "Bearer not-a-jwt"}, 401, "unauthorized"),
        (good, {}, 401, "unauthorized"),
    ]
    for body, headers, status, slug in cases:
        response = await client.post(url, json=body, headers=headers)
        assert response.status_code == status, (body, headers, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith(slug), response.json()
    mismatch = await client.post(url, json={**good, "domains": ["other.example"]}, headers=own)
    assert mismatch.json()["errors"][0]["type"] == "domain_mismatch"
    assert await sql("SELECT id FROM tenant_api.tenants WHERE lead_id = :l", l=lead_id) == []


async def test_duplicate_key_and_second_tenant_for_a_lead_are_409(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    verified_lead: Callable[..., Awaitable[LeadVerified]],
    sql: Sql,
) -> None:
    first, second = await verified_lead(), await verified_lead()
    key = unique_key()
    body = {"key": key, "domains": ["engines.example"], "tier": "pooled"}
    ok = await client.post(
        f"/leads/{first.data.lead_id}/tenants",
        json=body,
        headers=bearer(token("lead", lead_id=first.data.lead_id)),
    )
    assert ok.status_code == 201
    taken = await client.post(
        f"/leads/{second.data.lead_id}/tenants",
        json=body,
        headers=bearer(token("lead", lead_id=second.data.lead_id)),
    )
    assert taken.status_code == 409
    assert key in taken.json()["detail"]
    again = await client.post(
        f"/leads/{first.data.lead_id}/tenants",
        json={**body, "key": unique_key()},
        headers=bearer(token("lead", lead_id=first.data.lead_id)),
    )
    assert again.status_code == 409
    rows = await sql(
        "SELECT count(*) AS n FROM tenant_api.tenants WHERE lead_id IN (:a, :b)",
        a=first.data.lead_id,
        b=second.data.lead_id,
    )
    assert rows[0].n == 1


async def test_tenant_token_sees_only_its_own_tenant(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    body = {
        "key": unique_key(),
        "name": "Globex",
        "domains": ["globex.example"],
        "tier": "silo",
        "contact": {"firstName": "Hank", "lastName": "Scorpio", "email": "hank@globex.example"},
    }
    created = await client.post("/tenants", json=body, headers=bearer(token("admin")))
    assert created.status_code == 201, created.text
    tenant_id = created.json()["id"]
    other = await client.get(
        f"/tenants/{tenant_id}", headers=bearer(token("tenant", tenant_id=uuid.uuid4()))
    )
    assert other.status_code == 404
    missing = await client.get(f"/tenants/{uuid.uuid4()}", headers=bearer(token("admin")))
    assert missing.status_code == 404
    listed = await client.get("/tenants", headers=bearer(token("operator")))
    assert tenant_id in [t["id"] for t in listed.json()["items"]]
    tenant_list = await client.get("/tenants", headers=bearer(token("tenant", tenant_id=tenant_id)))
    assert tenant_list.status_code == 403


async def test_sign_up_with_lead_verifier_down_is_a_fast_503(
    client: httpx.AsyncClient, settings: TenantApiSettings
) -> None:
    response = await client.post(
        "/leads",
        json={
            "firstName": "Ada",
            "lastName": "Lovelace",
            "companyName": "AE",
            "email": "ada@engines.example",
        },
        headers={"X-Request-ID": "req-123"},
    )
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert response.headers["x-request-id"] == "req-123"
    assert "temporarily unavailable" in response.json()["detail"]
