"""The initial API key: kept sealed in PostgreSQL, handed out once to an ACTIVE tenant only,
registered so that it verifies, dropped and refused when revoked, and re-issued on an admin's
request."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from redis.asyncio import Redis

from service_kit import api_keys
from service_kit.sealing import Keyring
from tenant_api.settings import TenantApiSettings

from ..api_keys import active_with_key, listed, verify  # type: ignore[import-not-found]
from ..desk import Desk  # type: ignore[import-not-found]
from ..gateway import bearer  # type: ignore[import-not-found]
from ..saga import eventually, processed, tenant_event  # type: ignore[import-not-found]


async def test_the_key_outlives_a_redis_wipe_and_is_handed_out_exactly_once(
    desk: Desk, settings: TenantApiSettings, redis: Redis
) -> None:
    saga = await desk.provisioning()
    url = f"/tenants/{saga.tenant_id}/api-key"
    own = desk.own(saga.tenant_id)
    assert (await desk.client.get(url, headers=own)).status_code == 404  # not made yet
    await active_with_key(saga, desk.sql, "cp_secret_1")
    (row,) = await desk.sql(
        "SELECT sealed_key::text AS sealed FROM tenant_api.api_key_handovers WHERE tenant_id = :t",
        t=saga.tenant_id,
    )
    assert "cp_secret_1" not in row.sealed  # sealed at rest
    # This test's Redis keys go (its own prefix only): the key does not live there.
    async for key in redis.scan_iter(match=f"{settings.redis_key_prefix}*"):
        await redis.delete(key)
    assert (await desk.client.get(url, headers=bearer(desk.token("operator")))).status_code == 403

    answers = await asyncio.gather(*(desk.client.get(url, headers=own) for _ in range(8)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [404] * 7, [a.text for a in answers]
    (first,) = [a for a in answers if a.status_code == 200]
    assert first.json() == {"tenantId": str(saga.tenant_id), "apiKey": "cp_secret_1"}
    assert first.headers["cache-control"] == "no-store"
    assert (
        await desk.sql(
            "SELECT 1 FROM tenant_api.api_key_handovers WHERE tenant_id = :t", t=saga.tenant_id
        )
        == []
    )


async def test_a_failed_tenants_key_is_never_handed_out(desk: Desk) -> None:
    saga = await desk.provisioning()
    issued, failed = saga.key_issued("cp_secret_f"), saga.failed_pipeline("billing", "boom")
    await saga.publish(issued, failed)
    await processed(desk.sql, "api-keys", [issued])
    await processed(desk.sql, "pipeline-outcomes", [failed])
    tenant = await desk.client.get(f"/tenants/{saga.tenant_id}", headers=desk.admin)
    assert tenant.json()["status"] == "PROVISION_FAILED"
    for role in ("admin", "tenant"):
        answer = await desk.client.get(
            f"/tenants/{saga.tenant_id}/api-key",
            headers=bearer(desk.token(role, tenant_id=saga.tenant_id)),
        )
        assert answer.status_code == 404, answer.text
        assert "cp_secret_f" not in answer.text


async def test_the_key_handed_over_verifies_as_the_tenants_admin_key(desk: Desk) -> None:
    saga = await desk.provisioning()
    issued = await active_with_key(saga, desk.sql, api_keys.mint().plaintext)
    # The same key announced again (another event): registered once, as it was.
    again = issued.model_copy(update={"id": uuid.uuid4(), "occurred_at": datetime.now(UTC)})
    await saga.publish(again)
    await processed(desk.sql, "api-keys", [again])
    own = desk.token("tenant", tenant_id=saga.tenant_id)
    taken = await desk.client.get(f"/tenants/{saga.tenant_id}/api-key", headers=bearer(own))
    plaintext = taken.json()["apiKey"]

    answer = await verify(desk.client, plaintext)

    assert answer["active"] is True
    assert (answer["keyId"], answer["tenantId"], answer["scopes"]) == (
        str(issued.data.api_key_id),
        str(saga.tenant_id),
        ["admin"],
    )
    (key,) = (await listed(desk.client, own, saga.tenant_id)).values()
    assert (key["name"], key["origin"], key["publicId"], key["status"]) == (
        "initial",
        "initial",
        issued.data.public_id,
        "active",
    )


@pytest.mark.parametrize("revoked_first", [False, True], ids=["in-order", "revoked-first"])
async def test_a_revoked_key_is_dropped_and_refused_whatever_the_order(
    desk: Desk, revoked_first: bool
) -> None:
    saga = await desk.provisioning()
    plaintext = api_keys.mint().plaintext
    issued = saga.key_issued(plaintext)
    revoked = saga.key_revoked(issued.data.api_key_id)
    completed = saga.completed()
    await saga.publish(*([revoked, issued] if revoked_first else [issued, revoked]), completed)
    await processed(desk.sql, "api-keys", [issued, revoked])
    await processed(desk.sql, "pipeline-outcomes", [completed])
    answer = await desk.client.get(f"/tenants/{saga.tenant_id}/api-key", headers=desk.admin)
    assert answer.status_code == 404, answer.text
    assert await verify(desk.client, plaintext) == {"active": False, "reason": "revoked"}
    (key,) = (await listed(desk.client, desk.token("admin"), saga.tenant_id)).values()
    assert (key["id"], key["status"]) == (str(issued.data.api_key_id), "revoked")


async def test_a_key_no_configured_key_opens_is_dead_lettered(desk: Desk) -> None:
    saga = await desk.provisioning()
    issued = saga.key_issued("cp_secret_x")
    stranger = Keyring.parse("k9:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU=")
    data = issued.data.model_copy(update={"key": stranger.seal("cp_secret_x", "elsewhere")})
    await saga.publish(issued.model_copy(update={"data": data}))

    async def parked() -> list[Any] | None:
        rows = await desk.sql(
            "SELECT reason, error, original_queue FROM tenant_api.dead_letters WHERE event_id = :e",
            e=issued.id,
        )
        return rows or None

    # The DLQ's copy, as the dead-letter collector parks it for operators.
    (dead,) = await eventually(parked, what="the unopenable handover parked")
    assert dead.reason == "sealed_value_unreadable"
    assert dead.original_queue.endswith("tenant-api.api-keys")
    assert "cp_secret_x" not in dead.error


async def test_reissue_is_for_admins_of_active_tenants_and_idempotent(
    desk: Desk, event_tap: Any
) -> None:
    tap = await event_tap("tenant.api_key_reissue_requested")
    saga = await desk.provisioning()
    url = f"/tenants/{saga.tenant_id}/api-key/reissue"
    admin = desk.admin
    early = await desk.client.post(url, headers=admin)
    assert early.status_code == 409, early.text  # PROVISIONING: nothing to re-issue yet
    assert early.headers["content-type"] == "application/problem+json"
    own = desk.own(saga.tenant_id)
    assert (await desk.client.post(url, headers=own)).status_code == 403
    await active_with_key(saga, desk.sql, "cp_secret_old")

    keyed = {**admin, "Idempotency-Key": str(uuid.uuid4())}
    first = await desk.client.post(url, headers=keyed)
    again = await desk.client.post(url, headers=keyed)
    assert first.status_code == again.status_code == 202, first.text
    assert first.json() == again.json() == {"tenantId": str(saga.tenant_id), "status": "ACTIVE"}
    (requested,) = await tenant_event(tap, "tenant.api_key_reissue_requested", saga.tenant_id)
    assert requested.data.requested_by == "test:admin"
    # The provisioner answers with a revocation and a new handover: only the new key is given.
    (old,) = await desk.sql(
        "SELECT api_key_id FROM tenant_api.api_key_handovers WHERE tenant_id = :t",
        t=saga.tenant_id,
    )
    revoked, fresh = saga.key_revoked(old.api_key_id), saga.key_issued("cp_secret_new")
    await saga.publish(revoked, fresh)
    await processed(desk.sql, "api-keys", [revoked, fresh])
    taken = await desk.client.get(f"/tenants/{saga.tenant_id}/api-key", headers=own)
    assert taken.json()["apiKey"] == "cp_secret_new"
