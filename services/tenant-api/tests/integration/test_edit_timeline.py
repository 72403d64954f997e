"""Edits of a tenant, its contacts and its feature flags each leave one timeline entry, with
who made them and what changed; an edit that changes nothing, or is refused, leaves none."""

from __future__ import annotations

import httpx
import jwt
import pytest

from tenant_api.settings import TenantApiSettings

from ..gateway import Token, assert_problem, bearer, onboard, tokens  # type: ignore[import-not-found]
from ..saga import Sql  # type: ignore[import-not-found]
from ..timeline import outbox_types, timeline  # type: ignore[import-not-found]

ADDRESS = {"address": "1 Initech Way", "city": "Austin", "state": "TX", "country": "US"}


@pytest.fixture
def token(settings: TenantApiSettings) -> Token:
    return tokens(settings)


def actor_of(token: str) -> dict[str, str]:
    """The actor an entry records for a request made with `token`."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return {"sub": claims["sub"], "role": claims["role"]}


async def test_a_tenant_edit_is_one_entry_with_each_field_before_and_after(
    client: httpx.AsyncClient, token: Token, sql: Sql
) -> None:
    tenant = await onboard(client, token, domains=["initech.example"])
    url = f"/tenants/{tenant['id']}"
    admin_token = token("admin")
    admin = bearer(admin_token)

    body = {
        "name": "Initrode",
        "domains": ["initech.example", "initrode.example"],
        "address": ADDRESS,
    }
    assert (await client.patch(url, json=body, headers=admin)).status_code == 200
    # Nothing changes: the same values again, nothing at all, and refusals.
    same = {"name": "Initrode", "domains": ["Initech.example", "initrode.example"]}
    assert (await client.patch(url, json=same, headers=admin)).status_code == 200
    assert (await client.patch(url, json={"address": ADDRESS}, headers=admin)).status_code == 200
    assert (await client.patch(url, json={}, headers=admin)).status_code == 200
    refused = await client.patch(url, json={"domains": ["initrode.example"]}, headers=admin)
    assert assert_problem(refused, 422)["errors"][0]["type"] == "domain_mismatch"
    assert_problem(await client.patch(url, json={"status": "ACTIVE"}, headers=admin), 422)

    (entry,) = await timeline(client, sql, tenant["id"], admin, types="tenant.updated")
    assert entry["actor"] == actor_of(admin_token)
    assert entry["summary"] == "tenant: updated: name, domains, address"
    assert entry["data"] == {
        "tenant_id": tenant["id"],
        "changes": {
            "name": {"before": "Initech", "after": "Initrode"},
            "domains": {
                "before": ["initech.example"],
                "after": ["initech.example", "initrode.example"],
            },
            "address": {"before": None, "after": {**ADDRESS, "zip": None}},
        },
    }
    assert (await outbox_types(sql, tenant["id"])).count("tenant.updated") == 1

    assert (await client.patch(url, json={"address": None}, headers=admin)).status_code == 200
    updates = await timeline(client, sql, tenant["id"], admin, types="tenant.updated")
    assert [e["data"]["changes"] for e in updates] == [
        entry["data"]["changes"],
        {"address": {"before": {**ADDRESS, "zip": None}, "after": None}},
    ]


async def test_contact_edits_are_entries_with_a_primary_switch_named(
    client: httpx.AsyncClient, token: Token, sql: Sql
) -> None:
    tenant = await onboard(client, token)
    bill = tenant["contacts"][0]
    url = f"/tenants/{tenant['id']}/contacts"
    admin_token = token("admin")
    admin = bearer(admin_token)
    person = {"firstName": "Peter", "lastName": "Gibbons", "email": "peter@initech.example"}

    added = await client.post(url, json={**person, "isPrimary": True}, headers=admin)
    assert added.status_code == 201, added.text
    peter = added.json()
    promoted = await client.patch(
        f"{url}/{bill['id']}",
        json={"isPrimary": True, "lastName": "Lumbergh", "email": "bill.l@initech.example"},
        headers=admin,
    )
    assert promoted.status_code == 200, promoted.text
    # Nothing changes, or it is refused: no entry.
    unchanged = {"firstName": "Bill", "isPrimary": True}
    assert (await client.patch(f"{url}/{bill['id']}", json=unchanged, headers=admin)).is_success
    outside = {"email": "peter@elsewhere.example"}
    assert_problem(await client.patch(f"{url}/{peter['id']}", json=outside, headers=admin), 422)
    demote = {"isPrimary": False}
    assert_problem(await client.patch(f"{url}/{bill['id']}", json=demote, headers=admin), 409)
    assert_problem(await client.delete(f"{url}/{bill['id']}", headers=admin), 409)
    assert_problem(
        await client.post(url, json={**person, "email": "p@x.example"}, headers=admin), 422
    )
    assert (await client.delete(f"{url}/{peter['id']}", headers=admin)).status_code == 204

    entries = await timeline(client, sql, tenant["id"], admin, types="tenant.contact_")
    assert [e["type"] for e in entries] == [
        "tenant.contact_added",
        "tenant.contact_updated",
        "tenant.contact_removed",
    ]
    assert {e["actor"]["sub"] for e in entries} == {actor_of(admin_token)["sub"]}
    contact = {"first_name": "Peter", "last_name": "Gibbons", "email": "peter@initech.example"}
    assert entries[0]["data"] == {
        "tenant_id": tenant["id"],
        "contact_id": peter["id"],
        "contact": contact,
        "is_primary": True,
        "demoted_contact_id": bill["id"],
    }
    assert entries[1]["data"] == {
        "tenant_id": tenant["id"],
        "contact_id": bill["id"],
        "changes": {
            # The last name was sent as it was: not a change.
            "email": {"before": "bill@initech.example", "after": "bill.l@initech.example"},
            "is_primary": {"before": False, "after": True},
        },
        "demoted_contact_id": peter["id"],
    }
    assert entries[2]["data"] == {
        "tenant_id": tenant["id"],
        "contact_id": peter["id"],
        "contact": contact,
    }
    assert [t for t in await outbox_types(sql, tenant["id"]) if "contact" in t] == [
        e["type"] for e in entries
    ]


async def test_feature_flag_changes_are_entries_with_the_generation_they_made(
    client: httpx.AsyncClient, token: Token, sql: Sql
) -> None:
    tenant = await onboard(client, token)
    url = f"/tenants/{tenant['id']}/config/feature-flags"
    admin = bearer(token("admin"))

    first = await client.put(url, json={"beta": True, "seats": 10}, headers=admin)
    assert first.status_code == 200, first.text
    second = await client.put(url, json={"beta": 1, "seats": 10, "plan": "gold"}, headers=admin)
    assert second.status_code == 200, second.text
    # The same flags in another order, then refusals: no change, no entry.
    again = await client.put(url, json={"plan": "gold", "seats": 10, "beta": 1}, headers=admin)
    assert again.json()["generation"] == second.json()["generation"]
    assert_problem(await client.put(url, json={"bad name": 1}, headers=admin), 422)
    assert_problem(await client.put(url, json={"beta": None}, headers=admin), 422)
    third = await client.put(url, json={"plan": "gold"}, headers=admin)

    entries = await timeline(client, sql, tenant["id"], admin, types="tenant.feature_flags")
    assert [e["data"] for e in entries] == [
        {
            "tenant_id": tenant["id"],
            "added": {"beta": True, "seats": 10},
            "removed": {},
            "changed": {},
            "generation": first.json()["generation"],
        },
        {
            "tenant_id": tenant["id"],
            "added": {"plan": "gold"},
            "removed": {},
            "changed": {"beta": {"before": True, "after": 1}},
            "generation": second.json()["generation"],
        },
        {
            "tenant_id": tenant["id"],
            "added": {},
            "removed": {"beta": 1, "seats": 10},
            "changed": {},
            "generation": third.json()["generation"],
        },
    ]
    assert entries[1]["summary"] == "tenant: feature flags changed: plan, beta"
    assert {e["actor"]["role"] for e in entries} == {"admin"}
