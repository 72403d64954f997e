"""`/tenants/{id}/api-keys`: who may list, create, rotate and revoke a tenant's keys; each change
is an event with its caller's actor on the timeline, and no secret is kept anywhere but once in
the answer."""

from __future__ import annotations

import uuid
from typing import Any

from redis.asyncio import Redis

from tenant_api.idempotency.rules import Completed, decode
from tenant_api.settings import TenantApiSettings

from ..api_keys import listed, make_key  # type: ignore[import-not-found]
from ..desk import Desk  # type: ignore[import-not-found]
from ..gateway import assert_problem, bearer  # type: ignore[import-not-found]
from ..saga import eventually, tenant_event  # type: ignore[import-not-found]


async def test_admins_and_the_tenant_manage_operators_list_others_see_nothing(desk: Desk) -> None:
    saga = await desk.active()
    other = await desk.active()
    url = f"/tenants/{saga.tenant_id}/api-keys"
    own = desk.own(saga.tenant_id)
    stranger = desk.own(other.tenant_id)
    operator = bearer(desk.token("operator"))
    by_admin = await make_key(desk.client, desk.token("admin"), saga.tenant_id, name="admin's")
    by_tenant = await make_key(
        desk.client, desk.token("tenant", tenant_id=saga.tenant_id), saga.tenant_id, name="own"
    )
    assert (by_admin["createdBy"], by_tenant["createdBy"]) == (
        {"sub": "test:admin", "role": "admin"},
        {"sub": "test:tenant", "role": "tenant"},
    )

    for write in (
        desk.client.post(url, json={"name": "x"}, headers=operator),
        desk.client.post(f"{url}/{by_admin['id']}/rotate", headers=operator),
        desk.client.delete(f"{url}/{by_admin['id']}", headers=operator),
    ):
        assert_problem(await write, 403)
    for refused in (
        desk.client.get(url, headers=stranger),
        desk.client.post(url, json={"name": "x"}, headers=stranger),
        desk.client.post(f"{url}/{by_admin['id']}/rotate", headers=stranger),
        desk.client.delete(f"{url}/{by_admin['id']}", headers=stranger),
        # The other tenant's own path names a key that is not its own.
        desk.client.delete(
            f"/tenants/{other.tenant_id}/api-keys/{by_admin['id']}", headers=stranger
        ),
    ):
        answer = await refused
        assert_problem(answer, 404)
        assert by_admin["publicId"] not in answer.text
    assert (await desk.client.get(url)).status_code == 401

    for reader in (operator, own, desk.admin):
        answer = await desk.client.get(url, headers=reader)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert [item["name"] for item in body["items"]] == ["own", "admin's"]  # newest first
        assert body["count"] == 2
        assert "apiKey" not in answer.text
        for key in (by_admin, by_tenant):
            assert key["apiKey"] not in answer.text

    rotated = await desk.client.post(f"{url}/{by_tenant['id']}/rotate", headers=own)
    assert rotated.status_code == 201, rotated.text
    assert (await desk.client.delete(f"{url}/{by_admin['id']}", headers=own)).status_code == 204
    keys = await listed(desk.client, desk.token("admin"), saga.tenant_id)
    assert {k["name"]: k["status"] for k in keys.values() if k["id"] != rotated.json()["id"]} == {
        "admin's": "revoked",
        "own": "rotating",
    }


async def test_a_new_key_is_shown_once_and_described_without_it(desk: Desk) -> None:
    saga = await desk.active()
    answer = await desk.client.post(
        f"/tenants/{saga.tenant_id}/api-keys",
        json={"name": "orders", "scopes": ["orders:read", "orders:read"], "expiresInDays": 30},
        headers=desk.admin,
    )

    assert answer.status_code == 201, answer.text
    assert answer.headers["cache-control"] == "no-store"
    key = answer.json()
    assert key["apiKey"].startswith(f"cpk_{key['publicId']}_")
    assert len(key["apiKey"]) == len("cpk_") + 12 + 1 + 43
    assert {k: key[k] for k in ("name", "scopes", "status", "origin", "revokedAt")} == {
        "name": "orders",
        "scopes": ["orders:read"],
        "status": "active",
        "origin": "api",
        "revokedAt": None,
    }
    (stored,) = await desk.sql(
        "SELECT key_hash, public_id FROM tenant_api.api_keys WHERE id = :k", k=key["id"]
    )
    assert stored.public_id == key["publicId"]
    assert key["apiKey"] not in stored.key_hash
    listed_key = (await listed(desk.client, desk.token("admin"), saga.tenant_id))[key["id"]]
    assert listed_key == {k: v for k, v in key.items() if k != "apiKey"}


async def test_keys_are_made_only_for_an_active_tenant_and_revoked_whatever_its_status(
    desk: Desk,
) -> None:
    saga = await desk.active()
    admin = desk.admin
    url = f"/tenants/{saga.tenant_id}/api-keys"
    key = await make_key(desk.client, desk.token("admin"), saga.tenant_id)
    suspended = await desk.client.post(f"/tenants/{saga.tenant_id}/suspend", headers=admin)
    assert suspended.status_code == 202

    for refused in (
        await desk.client.post(url, json={"name": "late"}, headers=admin),
        await desk.client.post(f"{url}/{key['id']}/rotate", headers=admin),
    ):
        problem = assert_problem(refused, 409)
        assert problem["tenantStatus"] == "SUSPENDED"
        assert "ACTIVE" in problem["detail"]
    assert list(await listed(desk.client, desk.token("admin"), saga.tenant_id)) == [key["id"]]
    assert (await desk.client.delete(f"{url}/{key['id']}", headers=admin)).status_code == 204
    assert (await listed(desk.client, desk.token("admin"), saga.tenant_id))[key["id"]][
        "status"
    ] == "revoked"
    # A revoked key is not rotated either, once the tenant is back.
    await desk.client.post(f"/tenants/{saga.tenant_id}/reactivate", headers=admin)
    again = await desk.client.post(f"{url}/{key['id']}/rotate", headers=admin)
    assert "revoked" in assert_problem(again, 409)["detail"]


async def test_bad_input_is_a_problem_and_changes_nothing(desk: Desk) -> None:
    saga = await desk.active()
    admin = desk.admin
    url = f"/tenants/{saga.tenant_id}/api-keys"
    key = await make_key(desk.client, desk.token("admin"), saga.tenant_id)

    for body in (
        {},
        {"name": ""},
        {"name": "x", "scopes": ["Admin"]},
        {"name": "x", "scopes": [f"s{i}" for i in range(21)]},
        {"name": "x", "expiresInDays": 0},
        {"name": "x", "secret": "mine"},
    ):
        answer = await desk.client.post(url, json=body, headers=admin)
        problem = assert_problem(answer, 422)
        if "scopes" in body:
            assert problem["errors"][0]["loc"] == ["body", "scopes"]
    for overlap in (-1, 604801):
        answer = await desk.client.post(
            f"{url}/{key['id']}/rotate", json={"overlapSeconds": overlap}, headers=admin
        )
        assert_problem(answer, 422)
    for missing in (
        desk.client.post(f"{url}/{uuid.uuid4()}/rotate", headers=admin),
        desk.client.delete(f"{url}/{uuid.uuid4()}", headers=admin),
        desk.client.get(f"/tenants/{uuid.uuid4()}/api-keys", headers=admin),
    ):
        assert_problem(await missing, 404)
    assert list(await listed(desk.client, desk.token("admin"), saga.tenant_id)) == [key["id"]]


async def test_each_change_is_on_the_timeline_with_its_actor_and_no_secret_anywhere(
    desk: Desk, event_tap: Any
) -> None:
    tap = await event_tap(
        "tenant.api_key_created", "tenant.api_key_rotated", "tenant.api_key_revoked"
    )
    saga = await desk.active()
    url = f"/tenants/{saga.tenant_id}/api-keys"
    admin = desk.token("admin")
    own = desk.token("tenant", tenant_id=saga.tenant_id)
    first = await make_key(desk.client, admin, saga.tenant_id, scopes=["reports"])
    second = (await desk.client.post(f"{url}/{first['id']}/rotate", headers=bearer(own))).json()
    for _ in range(2):  # the second DELETE changes nothing, and says nothing
        revoked = await desk.client.delete(f"{url}/{second['id']}", headers=bearer(own))
        assert revoked.status_code == 204
    revoked_at = (await listed(desk.client, admin, saga.tenant_id))[second["id"]]["revokedAt"]

    events = [
        *await tenant_event(tap, "tenant.api_key_created", saga.tenant_id),
        *await tenant_event(tap, "tenant.api_key_rotated", saga.tenant_id),
        *await tenant_event(tap, "tenant.api_key_revoked", saga.tenant_id),
    ]
    assert [(e.type, e.actor.sub, e.data.api_key_id) for e in events] == [
        ("tenant.api_key_created", "test:admin", uuid.UUID(first["id"])),
        ("tenant.api_key_rotated", "test:tenant", uuid.UUID(second["id"])),
        ("tenant.api_key_revoked", "test:tenant", uuid.UUID(second["id"])),
    ]
    assert events[1].data.rotated_from == uuid.UUID(first["id"])
    assert events[1].data.scopes == ["reports"]

    async def on_timeline() -> list[Any] | None:
        rows = await desk.sql(
            "SELECT type, actor, data::text AS data FROM tenant_api.tenant_events"
            " WHERE tenant_id = :t AND type LIKE 'tenant.api_key_%' ORDER BY occurred_at",
            t=saga.tenant_id,
        )
        return rows if len(rows) == 3 else None

    lines = await eventually(on_timeline, what="the key changes on the timeline")
    assert [(line.type, line.actor) for line in lines] == [
        ("tenant.api_key_created", {"sub": "test:admin", "role": "admin"}),
        ("tenant.api_key_rotated", {"sub": "test:tenant", "role": "tenant"}),
        ("tenant.api_key_revoked", {"sub": "test:tenant", "role": "tenant"}),
    ]
    timeline = await desk.client.get(f"/tenants/{saga.tenant_id}/events", headers=bearer(own))
    outbox = await desk.sql(
        "SELECT event_type, convert_from(payload, 'UTF8') AS payload FROM tenant_api.outbox"
        " WHERE headers->>'x-tenant-id' = :t",
        t=str(saga.tenant_id),
    )
    assert [row.event_type for row in outbox].count("tenant.api_key_revoked") == 1
    stored = [line.data for line in lines] + [row.payload for row in outbox] + [timeline.text]
    for key in (first, second):
        secret = key["apiKey"].removeprefix(f"cpk_{key['publicId']}_")
        assert not [text for text in stored if key["apiKey"] in text or secret in text]
    assert (await listed(desk.client, admin, saga.tenant_id))[second["id"]][
        "revokedAt"
    ] == revoked_at


async def test_a_retried_creation_makes_one_key_and_never_stores_its_secret(
    desk: Desk, redis: Redis, settings: TenantApiSettings
) -> None:
    saga = await desk.active()
    headers = {**desk.admin, "Idempotency-Key": str(uuid.uuid4())}
    url = f"/tenants/{saga.tenant_id}/api-keys"

    pattern = f"{settings.redis_key_prefix}idempotency:*"
    # Other tests of the run leave records of their own: only this test's new ones count.
    earlier = {name async for name in redis.scan_iter(pattern)}
    first = await desk.client.post(url, json={"name": "once"}, headers=headers)
    retry = await desk.client.post(url, json={"name": "once"}, headers=headers)

    assert first.status_code == 201, first.text
    problem = assert_problem(retry, 409)
    assert problem["type"].endswith("/secret-not-replayed")
    assert retry.headers["idempotent-replayed"] == "true"
    assert first.json()["apiKey"] not in retry.text
    assert list(await listed(desk.client, desk.token("admin"), saga.tenant_id)) == [
        first.json()["id"]
    ]
    records = [
        decode(value)
        async for name in redis.scan_iter(pattern)
        if name not in earlier and (value := await redis.get(name)) is not None
    ]
    kept = [r for r in records if isinstance(r, Completed)]
    assert [r.status for r in kept] == [409]
    secret = first.json()["apiKey"].removeprefix(f"cpk_{first.json()['publicId']}_")
    assert secret not in kept[0].body.decode()
