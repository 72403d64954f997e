"""Every gateway route by every kind of caller gives its documented status, and tenant B never
sees anything of tenant A: not by id, not by sub-resource, not by list or filter."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from service_kit import api_keys
from service_kit_testing import TestInfra
from tenant_api.settings import TenantApiSettings

from ..gateway import bearer, onboard, tokens, unique_key  # type: ignore[import-not-found]
from ..saga import FakeProvisioner, eventually, processed  # type: ignore[import-not-found]

Sql = Callable[..., Awaitable[list[Any]]]
ROLES = ("none", "lead", "tenant_b", "operator", "tenant_a", "admin")  # admin last: it may act
# Routes outside the matrix: public by design, or operations endpoints.
PUBLIC = {
    ("POST", "/leads"),
    ("POST", "/leads/{lead_id}/verify"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
}
# Routes left out of the OpenAPI on purpose that are not in the matrix either.
UNDOCUMENTED_OPERATIONS = {("GET", "/metrics")}
EVERYONE = dict.fromkeys(ROLES, 200)


@dataclass
class Call:
    method: str
    path: str  # the OpenAPI template
    expect: dict[str, int]  # role → status; "none" defaults to 401
    body: Any = None
    query: dict[str, str] = field(default_factory=dict)


def matrix() -> list[Call]:
    """In order: later calls see what earlier admin calls did (documented where it matters)."""
    signed_in = {"lead": 200, "tenant_b": 200, "operator": 200, "tenant_a": 200, "admin": 200}
    staff_read = {"lead": 403, "tenant_b": 404, "operator": 200, "tenant_a": 200, "admin": 200}
    staff_only = {"lead": 403, "tenant_b": 403, "operator": 200, "tenant_a": 403, "admin": 200}
    staff_missing = {**staff_only, "operator": 404, "admin": 404}  # an unknown id, for staff
    # The vault and exports: the tenant itself and admins, never operators.
    tenant_and_admin = {
        "lead": 403,
        "tenant_b": 404,
        "operator": 403,
        "tenant_a": 200,
        "admin": 200,
    }
    admin_write = {"lead": 403, "tenant_b": 403, "operator": 403, "tenant_a": 403}
    key_write = {"lead": 403, "tenant_b": 404, "operator": 403}
    key_refused = {**key_write, "tenant_a": 409, "admin": 409}  # tenant A is not ACTIVE
    # No lead-verifier behind this gateway: staff get past the gateway's checks to its 503.
    lead_views = {"lead": 403, "tenant_b": 403, "tenant_a": 403, "operator": 503, "admin": 503}
    return [
        # The operator console's shell and assets: static, public, no data in them.
        Call("GET", "/console", EVERYONE),
        Call("GET", "/console/assets/{asset}", EVERYONE),
        Call("GET", "/plans", signed_in),
        Call("GET", "/plans/{plan_id}", signed_in),
        Call("POST", "/tenants", {**admin_write, "admin": 201}, body="new-tenant"),
        Call("GET", "/tenants", staff_only),
        Call("GET", "/tenants", staff_only, query={"keyPrefix": "A"}),
        Call("GET", "/tenants/count", staff_only),
        Call("GET", "/tenants/{tenant_id}", staff_read),
        Call(
            "PATCH", "/tenants/{tenant_id}", {**admin_write, "admin": 200}, body={"name": "Renamed"}
        ),
        Call("GET", "/tenants/{tenant_id}/contacts", staff_read),
        Call(
            "POST",
            "/tenants/{tenant_id}/contacts",
            {**admin_write, "admin": 201},
            body={"firstName": "Peter", "lastName": "Gibbons", "email": "peter@a.example"},
        ),
        Call("GET", "/tenants/{tenant_id}/contacts/{contact_id}", staff_read),
        Call(
            "PATCH",
            "/tenants/{tenant_id}/contacts/{contact_id}",
            {**admin_write, "admin": 200},
            body={"firstName": "Bill"},
        ),
        Call("DELETE", "/tenants/{tenant_id}/contacts/{contact_id}", {**admin_write, "admin": 409}),
        Call("GET", "/tenants/{tenant_id}/invoices", staff_read),
        Call("GET", "/tenants/{tenant_id}/invoices/{invoice_id}", staff_read),
        Call(
            "POST", "/tenants/{tenant_id}/invoices/{invoice_id}/pay", {**admin_write, "admin": 200}
        ),
        Call("GET", "/tenants/{tenant_id}/config", staff_read),
        Call(
            "PUT",
            "/tenants/{tenant_id}/config/feature-flags",
            {**admin_write, "admin": 200},
            body={"beta": True},
        ),
        Call(
            "PUT",
            "/tenants/{tenant_id}/credentials/{provider}",
            {**tenant_and_admin, "tenant_a": 201},
            body={"clientId": "abc-client", "clientSecret": "s3cr3t-value-123"},
        ),
        Call("GET", "/tenants/{tenant_id}/credentials", tenant_and_admin),
        Call("GET", "/tenants/{tenant_id}/credentials/{provider}", tenant_and_admin),
        Call(
            "GET",
            "/tenants/{tenant_id}/credentials/{provider}",
            {**tenant_and_admin, "tenant_a": 403},
            query={"reveal": "true"},
        ),
        Call(
            "DELETE",
            "/tenants/{tenant_id}/credentials/{provider}",
            {**tenant_and_admin, "tenant_a": 204, "admin": 404},
        ),
        # A key waits for tenant A, but A is not ACTIVE: nobody is handed it.
        Call(
            "GET",
            "/tenants/{tenant_id}/api-key",
            {**tenant_and_admin, "tenant_a": 404, "admin": 404},
        ),
        Call("POST", "/tenants/{tenant_id}/api-key/reissue", {**admin_write, "admin": 409}),
        Call(
            "POST",
            "/tenants/{tenant_id}/database/rotate-password",  # A is not ACTIVE
            {**tenant_and_admin, "tenant_a": 409, "admin": 409},
        ),
        # Tenant A's initial key is registered; A is not ACTIVE, so no key is made or rotated,
        # but any key is revoked (tenant A first: the admin's then changes nothing, 204 again).
        Call("GET", "/tenants/{tenant_id}/api-keys", staff_read),
        Call(
            "POST",
            "/tenants/{tenant_id}/api-keys",
            key_refused,
            body={"name": "ci"},
        ),
        Call(
            "POST",
            "/tenants/{tenant_id}/api-keys/{key_id}/rotate",
            key_refused,
        ),
        Call(
            "DELETE",
            "/tenants/{tenant_id}/api-keys/{key_id}",
            {**key_write, "tenant_a": 204, "admin": 204},
        ),
        # Holding a key is the credential: anyone may ask, and the answer is about the key.
        Call("POST", "/api-keys/verify", EVERYONE, body={"apiKey": "cpk_notakey"}),
        Call("GET", "/tenants/{tenant_id}/events", staff_read),
        # PENDING_PROVISION: none of these transitions is allowed (409, nothing changes).
        Call("POST", "/tenants/{tenant_id}/cancel", {**admin_write, "admin": 409}),
        Call("POST", "/tenants/{tenant_id}/suspend", {**admin_write, "admin": 409}),
        Call("POST", "/tenants/{tenant_id}/reactivate", {**admin_write, "admin": 409}),
        Call("POST", "/tenants/{tenant_id}/restore", {**admin_write, "admin": 409}),
        Call("GET", "/tenants/{tenant_id}/exports", tenant_and_admin),
        # Provision: admin or the lead that onboarded the tenant (this lead did not: 404).
        Call(
            "POST",
            "/tenants/{tenant_id}/provision",
            {"lead": 404, "tenant_b": 403, "operator": 403, "tenant_a": 403, "admin": 202},
        ),
        Call("GET", "/tenants/{tenant_id}/pipeline", staff_read),
        # No identity step has registered a client for A: 404 for whoever may look.
        Call(
            "GET",
            "/tenants/{tenant_id}/identity",
            {"lead": 403, "tenant_b": 404, "operator": 404, "tenant_a": 404, "admin": 404},
        ),
        Call("DELETE", "/tenants/{tenant_id}", {**admin_write, "admin": 409}),  # PROVISIONING
        # Dead letters: operators and admins; an unknown id is 404 for them.
        Call("GET", "/admin/dead-letters", staff_only),
        Call(
            "GET",
            "/admin/dead-letters/{dead_letter_id}",
            staff_missing,
        ),
        Call(
            "POST",
            "/admin/dead-letters/{dead_letter_id}/replay",
            staff_missing,
        ),
        Call(
            "POST",
            "/admin/dead-letters/{dead_letter_id}/discard",
            staff_missing,
            body={"reason": "not needed"},
        ),
        Call(
            "POST",
            "/admin/dead-letters/replay",
            staff_only,
            body={"dryRun": True},
        ),
        # The audit trail across tenants: operators and admins, a tenant never (not even its
        # own entries: it reads those on its timeline).
        Call("GET", "/admin/audit", staff_only),
        Call(
            "GET",
            "/admin/audit",
            staff_only,
            query={"tenant": "{tenant_id}", "format": "jsonl"},
        ),
        Call("GET", "/leads", lead_views),
        Call("GET", "/leads/count", lead_views),
        Call("GET", "/leads/{lead_id}", lead_views),
        Call(
            "POST",
            "/leads/{lead_id}/tenants",
            {"lead": 403, "tenant_b": 403, "operator": 403, "tenant_a": 403, "admin": 403},
            body={"key": "zzz", "domains": ["a.example"], "tier": "pooled"},
        ),
    ]


async def test_every_route_and_role_gives_the_documented_status(
    app: FastAPI,
    client: httpx.AsyncClient,
    settings: TenantApiSettings,
    infra: TestInfra,
    sql: Sql,
) -> None:
    token = tokens(settings)
    a = await onboard(
        client, token, key=unique_key("a"), domains=["a.example"], email="ann@a.example"
    )
    b = await onboard(
        client, token, key=unique_key("b"), domains=["b.example"], email="bob@b.example"
    )
    provisioner = FakeProvisioner(infra, uuid.UUID(a["id"]), uuid.uuid4())
    invoice = provisioner.invoice()
    await provisioner.publish(invoice)
    admin = bearer(token("admin"))

    async def invoice_listed() -> bool:
        listed = await client.get(f"/tenants/{a['id']}/invoices", headers=admin)
        return bool(listed.json()["items"])

    await eventually(invoice_listed, what="tenant A's invoice")
    initial_key = api_keys.mint().plaintext
    handover = provisioner.key_issued(initial_key)
    await provisioner.publish(handover)
    await processed(sql, "api-keys", [handover])

    headers = {
        "none": {},
        "lead": bearer(token("lead", lead_id=uuid.uuid4())),
        "tenant_a": bearer(token("tenant", tenant_id=a["id"])),
        "tenant_b": bearer(token("tenant", tenant_id=b["id"])),
        "operator": bearer(token("operator")),
        "admin": admin,
    }
    values = {
        "tenant_id": a["id"],
        "contact_id": a["contacts"][0]["id"],
        "invoice_id": str(invoice.data.invoice_id),
        "plan_id": "standard",
        "provider": "okta",
        "lead_id": str(uuid.uuid4()),
        "dead_letter_id": str(uuid.uuid4()),
        "asset": "app.js",
        "key_id": str(handover.data.api_key_id),
    }
    secrets_of_a = (a["id"], a["key"], "ann@a.example", "s3cr3t", initial_key)
    mismatches: list[str] = []
    covered: set[tuple[str, str]] = set()
    for call in matrix():
        covered.add((call.method, call.path))
        url = call.path.format(**values)
        query = {
            k: (a["key"][:4] if v == "A" else v.format(**values)) for k, v in call.query.items()
        }
        for role in ROLES:
            body = call.body
            if body == "new-tenant":
                body = {
                    "key": unique_key("n"),
                    "name": "N",
                    "domains": ["n.example"],
                    "tier": "pooled",
                    "contact": {"firstName": "N", "lastName": "N", "email": "n@n.example"},
                }
            response = await client.request(
                call.method, url, json=body, params=query, headers=headers[role]
            )
            want = call.expect.get(role, 401)
            if response.status_code != want:
                mismatches.append(
                    f"{call.method} {call.path}{query or ''} as {role}: {response.status_code}"
                    f" (documented {want}) {response.text[:160]}"
                )
            if response.status_code >= 400:
                assert response.headers["content-type"] == "application/problem+json", url
            if role == "tenant_b":
                # A problem's `instance` echoes the path B itself sent; anything else is a leak.
                seen = response.text.replace(url, "")
                leaked = [s for s in secrets_of_a if s in seen]
                assert not leaked, f"tenant B saw {leaked} via {call.method} {url}"
    assert mismatches == [], "\n".join(mismatches)

    documented = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    assert documented - covered - PUBLIC == set(), "routes missing from the matrix"
    undocumented = {
        (method, route.path.replace("{asset:path}", "{asset}"))
        for route in app.routes
        if isinstance(route, APIRoute) and not route.include_in_schema
        for method in route.methods
    }
    assert undocumented - covered - UNDOCUMENTED_OPERATIONS == set(), "hidden routes not covered"
