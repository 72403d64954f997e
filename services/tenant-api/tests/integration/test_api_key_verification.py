"""`POST /api-keys/verify`: the tenant's own services check a key with no bearer token; every
replica refuses a revoked key or a suspended tenant's keys on its very next call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest

from service_kit import api_keys
from tenant_api.settings import TenantApiSettings

from ..api_keys import Provisioning, active_tenant, listed, make_key, verify  # type: ignore[import-not-found]
from ..gateway import assert_problem, bearer, gateway  # type: ignore[import-not-found]
from ..saga import FakeProvisioner, Sql, eventually  # type: ignore[import-not-found]

Keyed = tuple[FakeProvisioner, dict[str, Any]]


@pytest.fixture
async def keyed(
    client: httpx.AsyncClient, token: Callable[..., str], provisioning: Provisioning, sql: Sql
) -> Keyed:
    """An ACTIVE tenant and a key an admin made for it (its plaintext in `apiKey`)."""
    saga = await active_tenant(provisioning, sql)
    return saga, await make_key(client, token("admin"), saga.tenant_id)


async def test_an_active_key_answers_its_tenants_facts_and_follows_its_config(
    client: httpx.AsyncClient, token: Callable[..., str], provisioning: Provisioning, sql: Sql
) -> None:
    saga = await active_tenant(provisioning, sql)
    admin = token("admin")
    key = await make_key(client, admin, saga.tenant_id, scopes=["orders:read", "orders:write"])
    tenant = (await client.get(f"/tenants/{saga.tenant_id}", headers=bearer(admin))).json()
    config = (await client.get(f"/tenants/{saga.tenant_id}/config", headers=bearer(admin))).json()

    answer = await verify(client, key["apiKey"])

    assert answer == {
        "active": True,
        "keyId": key["id"],
        "tenantId": str(saga.tenant_id),
        "tenantKey": tenant["key"],
        "plan": tenant["planId"],
        "status": "ACTIVE",
        "scopes": ["orders:read", "orders:write"],
        "configGeneration": config["generation"],
        "expiresAt": None,
    }
    flags = await client.put(
        f"/tenants/{saga.tenant_id}/config/feature-flags",
        json={"beta": True},
        headers=bearer(admin),
    )
    assert flags.status_code == 200, flags.text
    moved = await verify(client, key["apiKey"])
    assert moved["configGeneration"] == flags.json()["generation"] > config["generation"]


async def test_a_wrong_secret_and_an_unknown_key_get_the_same_answer(
    client: httpx.AsyncClient, keyed: Keyed
) -> None:
    _, key = keyed
    public_id = key["publicId"]
    other = api_keys.mint()

    for presented in (
        f"cpk_{public_id}_{other.secret}",  # a real public id, another key's secret
        other.plaintext,  # no such public id
        key["apiKey"][:-1] + ("A" if key["apiKey"][-1] != "A" else "B"),
        "not a key at all",
    ):
        assert await verify(client, presented) == {"active": False, "reason": "unknown"}
    assert (await verify(client, key["apiKey"]))["active"] is True


@pytest.mark.parametrize(
    "body",
    [{}, {"apiKey": 5}, {"apiKey": ""}, {"apiKey": "x", "tenantId": "y"}, ["cpk_"], "x" * 300],
    ids=["empty", "number", "blank", "extra-field", "list", "not-json-object"],
)
async def test_a_malformed_body_is_a_422_problem(client: httpx.AsyncClient, body: Any) -> None:
    answer = await client.post("/api-keys/verify", json=body)

    problem = assert_problem(answer, 422)
    assert problem["instance"] == "/api-keys/verify"


async def test_a_revoked_key_is_refused_and_an_expired_one_too(
    client: httpx.AsyncClient, token: Callable[..., str], provisioning: Provisioning, sql: Sql
) -> None:
    saga = await active_tenant(provisioning, sql)
    admin = token("admin")
    revoked = await make_key(client, admin, saga.tenant_id)
    gone = await client.delete(
        f"/tenants/{saga.tenant_id}/api-keys/{revoked['id']}", headers=bearer(admin)
    )
    assert gone.status_code == 204
    assert await verify(client, revoked["apiKey"]) == {"active": False, "reason": "revoked"}

    # Rotated with no overlap: the old key stops at once, and it says why.
    expiring = await make_key(client, admin, saga.tenant_id)
    rotated = await client.post(
        f"/tenants/{saga.tenant_id}/api-keys/{expiring['id']}/rotate",
        json={"overlapSeconds": 0},
        headers=bearer(admin),
    )
    assert rotated.status_code == 201, rotated.text
    assert await verify(client, expiring["apiKey"]) == {"active": False, "reason": "expired"}
    assert (await verify(client, rotated.json()["apiKey"]))["active"] is True


async def test_a_suspended_tenants_keys_are_refused_until_it_is_reactivated(
    client: httpx.AsyncClient, token: Callable[..., str], provisioning: Provisioning, sql: Sql
) -> None:
    saga = await active_tenant(provisioning, sql)
    admin = bearer(token("admin"))
    key = await make_key(client, token("tenant", tenant_id=saga.tenant_id), saga.tenant_id)
    before = await verify(client, key["apiKey"])
    assert before["active"] is True

    suspended = await client.post(f"/tenants/{saga.tenant_id}/suspend", headers=admin)
    assert suspended.status_code == 202, suspended.text
    assert await verify(client, key["apiKey"]) == {"active": False, "reason": "tenant_suspended"}

    reactivated = await client.post(f"/tenants/{saga.tenant_id}/reactivate", headers=admin)
    assert reactivated.status_code == 202, reactivated.text
    after = await verify(client, key["apiKey"])
    # Exactly what was there; only the config generation moved with the two status changes.
    assert {k: v for k, v in after.items() if k != "configGeneration"} == {
        k: v for k, v in before.items() if k != "configGeneration"
    }
    assert after["configGeneration"] == before["configGeneration"] + 2


async def test_another_replica_refuses_a_revoked_key_on_its_very_next_call(
    client: httpx.AsyncClient, token: Callable[..., str], keyed: Keyed, settings: TenantApiSettings
) -> None:
    saga, key = keyed
    async with gateway(settings) as replica:
        assert (await verify(client, key["apiKey"]))["active"] is True
        assert (await verify(replica, key["apiKey"]))["active"] is True
        for _ in range(3):  # whatever a replica might have kept from answering before
            await verify(replica, key["apiKey"])

        revoked = await client.delete(
            f"/tenants/{saga.tenant_id}/api-keys/{key['id']}", headers=bearer(token("admin"))
        )
        assert revoked.status_code == 204

        assert await verify(replica, key["apiKey"]) == {"active": False, "reason": "revoked"}


async def test_during_a_rotation_both_keys_work_then_only_the_new_one(
    client: httpx.AsyncClient, token: Callable[..., str], provisioning: Provisioning, sql: Sql
) -> None:
    saga = await active_tenant(provisioning, sql)
    own = token("tenant", tenant_id=saga.tenant_id)
    first = await make_key(client, own, saga.tenant_id, name="billing", scopes=["billing"])
    url = f"/tenants/{saga.tenant_id}/api-keys"

    second = (await client.post(f"{url}/{first['id']}/rotate", headers=bearer(own))).json()
    assert (second["name"], second["scopes"], second["rotatedFrom"]) == (
        "billing",
        ["billing"],
        first["id"],
    )
    assert (await verify(client, first["apiKey"]))["active"] is True  # the default day
    assert (await verify(client, second["apiKey"]))["keyId"] == second["id"]
    keys = await listed(client, own, saga.tenant_id)
    assert (keys[first["id"]]["status"], keys[second["id"]]["status"]) == ("rotating", "active")
    overlap = datetime.fromisoformat(keys[first["id"]]["expiresAt"]) - datetime.fromisoformat(
        second["createdAt"]
    )
    assert overlap.total_seconds() == 86400

    # A short overlap: the second key works on until it ends, then only the third.
    third = await client.post(
        f"{url}/{second['id']}/rotate", json={"overlapSeconds": 1}, headers=bearer(own)
    )
    assert third.status_code == 201, third.text

    async def second_expired() -> bool:
        return (await verify(client, second["apiKey"])) == {"active": False, "reason": "expired"}

    await eventually(second_expired, what="the second key to expire after its overlap")
    assert (await verify(client, third.json()["apiKey"]))["active"] is True
    keys = await listed(client, own, saga.tenant_id)
    assert [keys[k["id"]]["status"] for k in (first, second, third.json())] == [
        "rotating",
        "expired",
        "active",
    ]


async def test_last_use_is_written_at_most_once_within_the_resolution(
    client: httpx.AsyncClient, token: Callable[..., str], keyed: Keyed, settings: TenantApiSettings
) -> None:
    saga, key = keyed
    admin = token("admin")
    assert (await listed(client, admin, saga.tenant_id))[key["id"]]["lastUsedAt"] is None

    await verify(client, key["apiKey"])
    first = (await listed(client, admin, saga.tenant_id))[key["id"]]["lastUsedAt"]
    assert first is not None
    for _ in range(3):  # within the default minute: not written again
        await verify(client, key["apiKey"])
    assert (await listed(client, admin, saga.tenant_id))[key["id"]]["lastUsedAt"] == first

    async with gateway(settings.model_copy(update={"api_key_last_used_resolution": 0.0})) as eager:
        await verify(eager, key["apiKey"])
    moved = (await listed(client, admin, saga.tenant_id))[key["id"]]["lastUsedAt"]
    assert datetime.fromisoformat(moved) > datetime.fromisoformat(first)
