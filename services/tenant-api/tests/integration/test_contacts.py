"""/tenants/{id}/contacts: CRUD with exactly one primary contact, in the tenant's domains."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tenant_api.settings import TenantApiSettings

from ..gateway import Token, assert_problem, bearer, onboard, tokens  # type: ignore[import-not-found]
from ..saga import Sql  # type: ignore[import-not-found]


@pytest.fixture
def token(settings: TenantApiSettings) -> Token:
    return tokens(settings)


def person(first: str, email: str, **extra: Any) -> dict[str, Any]:
    return {"firstName": first, "lastName": "Smith", "email": email, **extra}


async def primaries(sql: Sql, tenant_id: str) -> list[str]:
    rows = await sql(
        "SELECT email FROM tenant_api.contacts WHERE tenant_id = :t AND is_primary",
        t=uuid.UUID(tenant_id),
    )
    return [r.email for r in rows]


async def test_contacts_crud_keeps_exactly_one_primary(
    client: httpx.AsyncClient, token: Token, sql: Sql
) -> None:
    tenant = await onboard(client, token, domains=["initech.example", "initrode.example"])
    url = f"/tenants/{tenant['id']}/contacts"
    admin = bearer(token("admin"))
    (bill,) = (await client.get(url, headers=admin)).json()["items"]
    assert bill["isPrimary"] is True

    created = await client.post(url, json=person("Peter", "peter@initech.example"), headers=admin)
    assert created.status_code == 201, created.text
    peter = created.json()
    assert peter["isPrimary"] is False
    assert (await client.get(f"{url}/{peter['id']}", headers=admin)).json() == peter

    promoted = await client.post(
        url, json=person("Joanna", "joanna@initrode.example", isPrimary=True), headers=admin
    )
    joanna = promoted.json()
    assert joanna["isPrimary"] is True
    assert await primaries(sql, tenant["id"]) == ["joanna@initrode.example"]
    listed = (await client.get(url, headers=admin)).json()
    assert listed["count"] == 3
    assert listed["items"][0]["id"] == joanna["id"]  # the primary first

    renamed = await client.patch(
        f"{url}/{peter['id']}", json={"lastName": "Gibbons", "isPrimary": True}, headers=admin
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json() == {**peter, "lastName": "Gibbons", "isPrimary": True}
    assert await primaries(sql, tenant["id"]) == ["peter@initech.example"]

    # Deleting the primary is refused; deleting another contact is not.
    assert_problem(await client.delete(f"{url}/{peter['id']}", headers=admin), 409)
    demote = await client.patch(f"{url}/{peter['id']}", json={"isPrimary": False}, headers=admin)
    assert_problem(demote, 409)
    deleted = await client.delete(f"{url}/{joanna['id']}", headers=admin)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_problem(await client.get(f"{url}/{joanna['id']}", headers=admin), 404)
    assert_problem(await client.delete(f"{url}/{joanna['id']}", headers=admin), 404)
    assert [c["firstName"] for c in (await client.get(url, headers=admin)).json()["items"]] == [
        "Peter",
        "Bill",
    ]


async def test_concurrent_promotions_leave_one_primary(
    client: httpx.AsyncClient, token: Token, sql: Sql
) -> None:
    tenant = await onboard(client, token)
    url = f"/tenants/{tenant['id']}/contacts"
    admin = bearer(token("admin"))
    ids = []
    for i in range(6):
        made = await client.post(url, json=person(f"P{i}", f"p{i}@initech.example"), headers=admin)
        ids.append(made.json()["id"])
    answers = await asyncio.gather(
        *(client.patch(f"{url}/{i}", json={"isPrimary": True}, headers=admin) for i in ids)
    )
    assert [a.status_code for a in answers] == [200] * 6
    assert len(await primaries(sql, tenant["id"])) == 1


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("post", person("Eve", "eve@elsewhere.example")),
        ("post", person("Eve", "not-an-email")),
        ("post", person("Eve", "eve@initech.example", role="boss")),
        ("post", {"firstName": "Eve", "email": "eve@initech.example"}),
        ("patch", {"email": "bill@elsewhere.example"}),
        ("patch", {"tenantId": str(uuid.uuid4())}),
        ("patch", {"firstName": None}),
        ("patch", {"isPrimary": None}),
    ],
)
async def test_invalid_contacts_are_422(
    client: httpx.AsyncClient, token: Token, method: str, body: dict[str, Any]
) -> None:
    tenant = await onboard(client, token)
    url = f"/tenants/{tenant['id']}/contacts"
    admin = bearer(token("admin"))
    bill = (await client.get(url, headers=admin)).json()["items"][0]
    target = url if method == "post" else f"{url}/{bill['id']}"
    response = await client.request(method.upper(), target, json=body, headers=admin)
    assert assert_problem(response, 422)["errors"]
    assert (await client.get(url, headers=admin)).json()["items"] == [bill]


async def test_a_non_primary_outside_the_domains_cannot_become_primary(
    client: httpx.AsyncClient, token: Token
) -> None:
    tenant = await onboard(client, token, domains=["initech.example", "initrode.example"])
    url = f"/tenants/{tenant['id']}/contacts"
    admin = bearer(token("admin"))
    made = await client.post(url, json=person("Joanna", "joanna@initrode.example"), headers=admin)
    patched = await client.patch(
        f"/tenants/{tenant['id']}", json={"domains": ["initech.example"]}, headers=admin
    )
    assert patched.status_code == 200  # only the primary contact's domain must stay
    promote = await client.patch(
        f"{url}/{made.json()['id']}", json={"isPrimary": True}, headers=admin
    )
    assert assert_problem(promote, 422)["errors"][0]["type"] == "domain_mismatch"


async def test_tenants_read_their_own_contacts_only(
    client: httpx.AsyncClient, token: Token
) -> None:
    tenant = await onboard(client, token)
    other = await onboard(client, token)
    url = f"/tenants/{tenant['id']}/contacts"
    bill = (await client.get(url, headers=bearer(token("admin")))).json()["items"][0]
    own = bearer(token("tenant", tenant_id=tenant["id"]))
    stranger = bearer(token("tenant", tenant_id=other["id"]))

    assert (await client.get(url, headers=own)).status_code == 200
    assert (await client.get(f"{url}/{bill['id']}", headers=own)).status_code == 200
    assert (await client.get(url, headers=bearer(token("operator")))).status_code == 200
    for path in (url, f"{url}/{bill['id']}"):
        assert_problem(await client.get(path, headers=stranger), 404)
    # Its contact under another tenant's id is not found either.
    other_url = f"/tenants/{other['id']}/contacts/{bill['id']}"
    assert_problem(await client.get(other_url, headers=bearer(token("admin"))), 404)
    # A tenant reads but does not write, even its own.
    new = person("Milton", "milton@initech.example")
    assert_problem(await client.post(url, json=new, headers=own), 403)
    assert_problem(await client.patch(f"{url}/{bill['id']}", json={}, headers=own), 403)
    assert_problem(await client.delete(f"{url}/{bill['id']}", headers=own), 403)
    assert_problem(await client.post(url, json=new, headers=bearer(token("operator"))), 403)
    missing = f"/tenants/{uuid.uuid4()}/contacts"
    assert_problem(await client.get(missing, headers=bearer(token("admin"))), 404)
    assert_problem(await client.post(missing, json=new, headers=bearer(token("admin"))), 404)
