"""The provisioning saga against the five running services, checked where a user would look."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import pytest

from service_kit.redis_client import close_redis
from service_kit.webhooks import sign_arc, sign_standard
from service_kit_testing import SmtpSink, TestInfra

from .conftest import Stack
from .polling import eventually
from .saga_client import (
    TenantData,
    new_tenant,
    pipeline_when,
    provision,
    provisioner_run,
    redis_for,
    set_fault,
    settle,
)

pytestmark = pytest.mark.e2e
STEPS = ["preflight", "database", "identity", "credentials", "infrastructure", "billing"]


@pytest.fixture
def data(infra: TestInfra, stack: Stack) -> TenantData:
    return TenantData(infra, stack.database_url)


async def at_infrastructure(
    gateway: httpx.AsyncClient, infra: TestInfra, fault: str
) -> dict[str, Any]:
    """A new silo tenant provisioning, its infrastructure step running under `fault` (the
    local driver's callback held or delayed)."""
    tenant = await new_tenant(gateway, "silo")
    await set_fault(infra, tenant["key"], fault)
    await provision(gateway, tenant["id"])
    await pipeline_when(gateway, tenant["id"], "infrastructure", "IN_PROGRESS")
    return tenant


@pytest.mark.parametrize("tier", ["silo", "pooled"])
async def test_provisioning_reaches_active_with_real_resources(
    gateway: httpx.AsyncClient, data: TenantData, smtp_sink: SmtpSink, tier: str
) -> None:
    tenant = await new_tenant(gateway, tier)
    await provision(gateway, tenant["id"])
    active = await settle(gateway, tenant["id"])
    assert active["status"] == "ACTIVE"

    assert await data.role(tenant["key"]), "silo or pooled, a login role of its own"
    if tier == "silo":
        assert await data.schema(tenant["key"])
    else:
        assert await data.pooled_row(tenant["id"])
        assert await data.policy(tenant["key"])
    assert await data.live_key_hashes(tenant["id"]) == 1

    key = await gateway.get(f"/tenants/{tenant['id']}/api-key")
    assert key.status_code == 200
    assert re.fullmatch(r"cpk_[a-z2-7]{12}_[A-Za-z0-9_-]{43}", key.json()["apiKey"])
    assert (await gateway.get(f"/tenants/{tenant['id']}/api-key")).status_code == 404

    invoices = (await gateway.get(f"/tenants/{tenant['id']}/invoices")).json()
    (invoice,) = invoices["items"]
    assert (invoice["amount"], invoice["currency"], invoice["status"]) == (
        "49.00",
        "USD",
        "PENDING",
    )

    # The last step's outcome may still be on its way to the read-model (another queue).
    pipeline = await pipeline_when(gateway, tenant["id"], "billing", "SUCCEEDED")
    expected = STEPS if tier == "silo" else [s for s in STEPS if s != "infrastructure"]
    assert [s["name"] for s in pipeline["steps"]] == expected
    assert all(s["status"] == "SUCCEEDED" for s in pipeline["steps"])
    assert all(s["startedAt"] and s["finishedAt"] for s in pipeline["steps"])

    welcome = await smtp_sink.wait_for(tenant["contacts"][0]["email"])
    assert tenant["name"] in welcome.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.parametrize("step", STEPS)
async def test_each_step_failing_compensates_then_a_retry_succeeds(
    gateway: httpx.AsyncClient, data: TenantData, smtp_sink: SmtpSink, infra: TestInfra, step: str
) -> None:
    tenant = await new_tenant(gateway, "silo")
    await set_fault(infra, tenant["key"], f"fail:{step}")
    await provision(gateway, tenant["id"])
    failed = await settle(gateway, tenant["id"])
    assert failed["status"] == "PROVISION_FAILED"
    pipeline = (await gateway.get(f"/tenants/{tenant['id']}/pipeline")).json()
    assert pipeline["failureStep"] == step
    assert "injected fault" in pipeline["failureReason"]
    await data.nothing_left(tenant)
    notice = await smtp_sink.wait_for(tenant["contacts"][0]["email"])
    assert notice["To"]
    ops = [
        m
        for m in smtp_sink.messages
        if "ops@operators.example" in m["To"] and tenant["id"] in str(m)
    ]
    for _ in range(100):
        if ops:
            break
        await asyncio.sleep(0.1)
        ops = [
            m
            for m in smtp_sink.messages
            if "ops@operators.example" in m["To"] and tenant["id"] in str(m)
        ]
    assert len(ops) == 1

    await set_fault(infra, tenant["key"], None)
    second = await provision(gateway, tenant["id"])
    assert second != pipeline["id"], "a retry is a new pipeline"
    active = await settle(gateway, tenant["id"], want={"ACTIVE", "PROVISION_FAILED"})
    assert active["status"] == "ACTIVE"
    assert await data.schema(tenant["key"])


async def test_cancel_during_the_external_step(
    gateway: httpx.AsyncClient, data: TenantData, infra: TestInfra, stack: Stack
) -> None:
    tenant = await at_infrastructure(gateway, infra, "delay-callback:2.5")
    cancel = await gateway.post(f"/tenants/{tenant['id']}/cancel")
    assert cancel.status_code == 202
    cancelled = await settle(gateway, tenant["id"])
    assert cancelled["status"] == "CANCELLED"
    await data.nothing_left(tenant)
    # The driver's callback comes after the cancel: refused, and the tenant stays CANCELLED.
    deliveries: list[dict[str, Any]] = []
    for _ in range(80):
        answer = await gateway.get(
            f"{stack.url('webhook-receiver')}/webhooks/deliveries",
            params={"tenantId": tenant["id"]},
        )
        deliveries = answer.json()["items"]
        if deliveries:
            break
        await asyncio.sleep(0.1)
    assert [d["outcome"] for d in deliveries] == ["rejected"]
    assert (await gateway.get(f"/tenants/{tenant['id']}")).json()["status"] == "CANCELLED"


async def test_no_callback_times_out_and_compensates(
    gateway: httpx.AsyncClient, data: TenantData, infra: TestInfra
) -> None:
    tenant = await at_infrastructure(gateway, infra, "hold-callback")
    failed = await settle(gateway, tenant["id"], timeout=30)
    assert failed["status"] == "PROVISION_FAILED"
    pipeline = (await gateway.get(f"/tenants/{tenant['id']}/pipeline")).json()
    assert pipeline["failureReason"] == "timeout"
    await data.nothing_left(tenant)
    events = (await gateway.get(f"/tenants/{tenant['id']}/events", params={"limit": 200})).json()
    types = [e["type"] for e in events["items"]]
    assert types.count("tenant.provisioning_timed_out") == 1


async def test_a_third_party_calls_back_with_standard_webhooks(
    gateway: httpx.AsyncClient, infra: TestInfra, stack: Stack
) -> None:
    tenant = await at_infrastructure(gateway, infra, "hold-callback")  # the third party is us
    run = await provisioner_run(stack.database_url, tenant["id"])
    assert run is not None
    body = json.dumps(
        {
            "initiatorId": tenant["id"],
            "type": 0,
            "data": {"status": 1, "resources": [], "appPlaneUrl": "https://x.example"},
        }
    ).encode()
    url = stack.url("webhook-receiver") + "/webhooks/provisioning"
    now = int(time.time())
    tampered_ms = int(time.time() * 1000)
    async with httpx.AsyncClient(timeout=10) as third_party:
        forged = await third_party.post(
            url,
            content=body.replace(b'"status": 1', b'"status": 0'),
            headers={
                "x-timestamp": str(tampered_ms),
                "x-signature": sign_arc(run.secret, body, run.context, tampered_ms),
                "content-type": "application/json",
            },
        )
        assert forged.status_code == 401
        message_id = "msg_" + uuid.uuid4().hex
        headers = {
            "webhook-id": message_id,
            "webhook-timestamp": str(now),
            # Two signatures, as during a key rotation: the stale one is ignored.
            "webhook-signature": "v1,bm90LWl0 " + sign_standard(run.secret, message_id, now, body),
            "content-type": "application/json",
        }
        first = await third_party.post(url, content=body, headers=headers)
        again = await third_party.post(url, content=body, headers=headers)
    assert first.status_code == 202, first.text
    assert again.status_code == 200
    active = await settle(gateway, tenant["id"])
    assert active["status"] == "ACTIVE"
    receipts = (
        await gateway.get(
            stack.url("webhook-receiver") + "/webhooks/deliveries",
            params={"tenantId": tenant["id"]},
        )
    ).json()["items"]
    assert sorted(r["outcome"] for r in receipts) == ["accepted", "duplicate", "rejected"]


async def test_a_redis_wipe_while_a_tenant_awaits_its_callback_does_not_fail_it(
    gateway: httpx.AsyncClient, infra: TestInfra, stack: Stack
) -> None:
    tenant = await at_infrastructure(gateway, infra, "delay-callback:2")
    assert await provisioner_run(stack.database_url, tenant["id"]) is not None
    # Everything the stack keeps in Redis goes (its own prefix only: never the shared server).
    prefix = stack.env["REDIS_KEY_PREFIX"]
    redis = redis_for(infra)
    try:
        async for key in redis.scan_iter(match=f"{prefix}*", count=500):
            await redis.delete(key)
    finally:
        await close_redis(redis)
    active = await settle(gateway, tenant["id"], timeout=30)
    assert active["status"] == "ACTIVE"


@pytest.mark.parametrize("tier", ["pooled", "silo"])
async def test_a_tenants_life_keys_suspension_offboarding_restore_and_export(
    gateway: httpx.AsyncClient, data: TenantData, tier: str
) -> None:
    """ACTIVE, its key used → suspended (key and login refused) → reactivated (both work) →
    offboarding scheduled (key refused, nothing removed) → restored → offboarded at once: an
    export whose files match their checksums, the resources gone, the record kept."""
    tenant = await new_tenant(gateway, tier)
    url = f"/tenants/{tenant['id']}"
    await provision(gateway, tenant["id"])
    assert (await settle(gateway, tenant["id"]))["status"] == "ACTIVE"
    assert await data.logs_in(tenant)
    key = (await gateway.get(f"{url}/api-key")).json()["apiKey"]

    async def verified(answer: dict[str, Any]) -> bool:
        said = (await gateway.post("/api-keys/verify", json={"apiKey": key})).json()
        return all(said.get(name) == value for name, value in answer.items())

    # The initial key reaches the registry through the saga; then the data plane may use it.
    await eventually(partial(verified, {"active": True, "tenantId": tenant["id"]}), what="key")

    # Suspended: the key and the database login are refused; reactivated: both work again.
    assert (await gateway.post(f"{url}/suspend")).status_code == 202
    assert await verified({"active": False, "reason": "tenant_suspended"})

    async def refused() -> bool:
        return not await data.logs_in(tenant)

    await eventually(refused, what="the suspended tenant's login refused")
    assert (await gateway.post(f"{url}/reactivate")).status_code == 202
    assert await verified({"active": True, "status": "ACTIVE"})
    await eventually(partial(data.logs_in, tenant), what="the reactivated tenant's login")

    async def on_the_timeline() -> bool:
        page = (await gateway.get(f"{url}/events", params={"limit": 200})).json()
        said = {(e["type"], e["actor"]["role"]) for e in page["items"] if e["actor"]}
        return {("tenant.access_suspended", "admin"), ("tenant.access_restored", "admin")} <= said

    await eventually(on_the_timeline, what="what suspension and reactivation did, on the timeline")

    # Offboarding waits a grace (read-only, keys refused), and a restore undoes it.
    scheduled = await gateway.delete(url)
    assert scheduled.json()["status"] == "OFFBOARDING_SCHEDULED", scheduled.text
    assert await verified({"active": False, "reason": "tenant_offboarding"})
    assert (await gateway.patch(url, json={"name": "Renamed"})).status_code == 409
    restored = await gateway.post(f"{url}/restore")
    assert restored.json()["status"] == "ACTIVE", restored.text
    assert await verified({"active": True})
    assert await data.role(tenant["key"]), "nothing was removed during the grace"

    # At once: exported, then removed; the record stays, the key is refused for good.
    now = await gateway.delete(url, params={"now": "true"})
    assert now.json()["status"] == "DEPROVISIONING", now.text
    offboarded = await settle(gateway, tenant["id"], want={"OFFBOARDED"})
    assert offboarded["key"] == tenant["key"], "the record remains"
    await data.nothing_left(tenant)
    assert not await verified({"active": True})
    (export,) = (await gateway.get(f"{url}/exports")).json()["items"]
    assert export["status"] == "COMPLETE"
    folder = Path(unquote(urlsplit(export["location"]).path))
    manifest = json.loads((folder / "MANIFEST.json").read_bytes())
    paths = {f["path"] for f in manifest["files"]}
    assert {"tenant-api/tenant.json", "tenant-api/timeline.jsonl"} <= paths
    if tier == "pooled":
        assert "provisioner/pooled/records.csv" in paths
    else:
        assert any(p.startswith("provisioner/") and p.endswith("schema.sql") for p in paths)
    for file in manifest["files"]:
        body = (folder / file["path"]).read_bytes()
        assert (hashlib.sha256(body).hexdigest(), len(body)) == (file["sha256"], file["size"])


async def test_tenantctl_provisions_and_follows_the_steps_live(
    gateway: httpx.AsyncClient, stack: Stack
) -> None:
    tenant = await new_tenant(gateway, "pooled")
    result = await stack.tenantctl(
        "tenants",
        "provision",
        tenant["id"],
        "--watch",
        "--interval",
        "0.2",
        "--timeout",
        "60",
        timeout=90,
    )
    assert result.returncode == 0, result.stderr
    final = result.stdout.strip().splitlines()[-6:]
    assert final[0].endswith("SUCCEEDED")
    assert [line.split()[1] for line in final[1:]] == [
        "preflight",
        "database",
        "identity",
        "credentials",
        "billing",
    ]
    assert all(" SUCCEEDED " in line for line in final[1:])
    assert (await gateway.get(f"/tenants/{tenant['id']}")).json()["status"] == "ACTIVE"
