"""PATCH /tenants/{id}: name, domains and address only; status is never writable."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tenant_api.settings import TenantApiSettings

from ..gateway import Token, assert_problem, bearer, onboard, tokens  # type: ignore[import-not-found]
from ..saga import Sql  # type: ignore[import-not-found]

ADDRESS = {"address": "1 Initech Way", "city": "Austin", "state": "TX", "country": "US"}


@pytest.fixture
def token(settings: TenantApiSettings) -> Token:
    return tokens(settings)


async def generation(sql: Sql, tenant_id: str) -> int:
    rows = await sql(
        "SELECT config_generation AS g FROM tenant_api.tenants WHERE id = :i",
        i=uuid.UUID(tenant_id),
    )
    value: int = rows[0].g
    return value


async def test_patch_changes_only_what_is_sent(
    client: httpx.AsyncClient, token: Token, sql: Sql
) -> None:
    tenant = await onboard(client, token, address=ADDRESS)
    url = f"/tenants/{tenant['id']}"
    admin = bearer(token("admin"))
    before = await generation(sql, tenant["id"])

    renamed = await client.patch(url, json={"name": "Initrode"}, headers=admin)
    assert renamed.status_code == 200, renamed.text
    body = renamed.json()
    assert body["name"] == "Initrode"
    assert body["domains"] == tenant["domains"]
    assert body["address"] == {**ADDRESS, "zip": None}
    assert body["status"] == tenant["status"]
    assert body["updatedAt"] > tenant["updatedAt"]
    assert await generation(sql, tenant["id"]) == before  # the name is not in /config

    moved = await client.patch(
        url,
        json={"domains": ["Initech.example", "initrode.example", "initech.example"]},
        headers=admin,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["domains"] == ["initech.example", "initrode.example"]
    assert await generation(sql, tenant["id"]) == before + 1  # domains are

    same = await client.patch(
        url, json={"domains": ["initech.example", "initrode.example"]}, headers=admin
    )
    assert same.status_code == 200
    assert await generation(sql, tenant["id"]) == before + 1  # nothing changed, no bump

    new_address = {"address": "2 Main St", "city": "Dallas", "country": "US"}
    readdressed = await client.patch(url, json={"address": new_address}, headers=admin)
    assert readdressed.json()["address"] == {**new_address, "state": None, "zip": None}
    removed = await client.patch(url, json={"address": None}, headers=admin)
    assert removed.json()["address"] is None
    unchanged = await client.patch(url, json={}, headers=admin)
    assert unchanged.status_code == 200
    assert unchanged.json()["name"] == "Initrode"


@pytest.mark.parametrize(
    "body",
    [
        {"status": "ACTIVE"},
        {"key": "othername"},
        {"tier": "silo"},
        {"planId": "premium"},
        {"featureFlags": {"beta": True}},
        {"name": "Initrode", "status": "ACTIVE"},
        {"owner": "me"},
        {"name": None},
        {"name": ""},
        {"domains": None},
        {"domains": []},
        {"domains": ["not a domain"]},
        {"address": {"city": "Austin"}},
    ],
)
async def test_invalid_or_read_only_fields_are_422_and_change_nothing(
    client: httpx.AsyncClient, token: Token, body: dict[str, Any]
) -> None:
    tenant = await onboard(client, token)
    admin = bearer(token("admin"))
    response = await client.patch(f"/tenants/{tenant['id']}", json=body, headers=admin)
    assert assert_problem(response, 422)["errors"]
    after = (await client.get(f"/tenants/{tenant['id']}", headers=admin)).json()
    assert after == tenant


async def test_domains_must_keep_the_primary_contacts(
    client: httpx.AsyncClient, token: Token
) -> None:
    tenant = await onboard(client, token, domains=["initech.example", "initrode.example"])
    url = f"/tenants/{tenant['id']}"
    response = await client.patch(
        url, json={"domains": ["initrode.example"]}, headers=bearer(token("admin"))
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["body", "domains"]
    assert problem["errors"][0]["type"] == "domain_mismatch"
    after = (await client.get(url, headers=bearer(token("admin")))).json()
    assert after["domains"] == ["initech.example", "initrode.example"]


async def test_only_admins_patch(client: httpx.AsyncClient, token: Token) -> None:
    tenant = await onboard(client, token)
    url = f"/tenants/{tenant['id']}"
    body = {"name": "Mine now"}
    own = bearer(token("tenant", tenant_id=tenant["id"]))
    assert_problem(await client.patch(url, json=body, headers=own), 403)
    assert_problem(await client.patch(url, json=body, headers=bearer(token("operator"))), 403)
    assert_problem(await client.patch(url, json=body), 401)
    missing = f"/tenants/{uuid.uuid4()}"
    assert_problem(await client.patch(missing, json=body, headers=bearer(token("admin"))), 404)
