"""Redis holds nothing forever: every record a tenant's life writes there expires by itself.

Rate-limit windows, idempotency records, webhook nonces and cached configs each carry a TTL
(the saga's own state, webhook runs and first API keys, lives in PostgreSQL); PostgreSQL's
rows have the retention job instead. This drives
one tenant through sign-up, a keyed write, provisioning with its signed callback and a config
read, then looks at every key under the stack's prefix.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from provisioner.adapters.faults import fault_key
from service_kit_testing import SmtpSink, TestInfra

from .conftest import Stack
from .saga_client import admin_headers, redis_for, settle, sign_up_and_onboard

pytestmark = pytest.mark.e2e

# One kind of record each, by the name it is kept under after the prefix.
KINDS = (
    "ratelimit:public:",
    "ratelimit:subject:",
    "ratelimit:webhook:",
    "idempotency:",
    "webhook:seen:",
    "tenant-config:",
)


@pytest.fixture
async def public(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=10) as client:
        yield client


async def test_every_record_a_tenant_leaves_in_redis_expires(
    stack: Stack, infra: TestInfra, smtp_sink: SmtpSink, public: httpx.AsyncClient
) -> None:
    tenant, token = await sign_up_and_onboard(public, smtp_sink, "silo")
    lead = {"Authorization": f"Bearer {token}"}
    started = await public.post(f"/tenants/{tenant['id']}/provision", headers=lead)
    assert started.status_code == 202, started.text
    admin = admin_headers(infra)
    async with httpx.AsyncClient(base_url=stack.gateway, headers=admin, timeout=10) as gateway:
        assert (await settle(gateway, tenant["id"]))["status"] == "ACTIVE"
        renamed = await gateway.patch(
            f"/tenants/{tenant['id']}",
            json={"name": "Renamed"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert renamed.status_code == 200, renamed.text
        assert (await gateway.get(f"/tenants/{tenant['id']}/config")).status_code == 200

    prefix = stack.env["REDIS_KEY_PREFIX"]
    redis = redis_for(infra)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*", count=500)]
        # Fault hooks are written by hand (tests, demos) and removed by whoever set them.
        forever = [
            key
            for key in keys
            if not key.startswith(fault_key(prefix, "")) and await redis.pttl(key) == -1
        ]
    finally:
        await redis.aclose()
    names = [key.removeprefix(prefix) for key in keys]
    # The flow did write each kind (so the check below is not vacuous)...
    assert [kind for kind in KINDS if not any(n.startswith(kind) for n in names)] == []
    # The saga's state is not kept in Redis at all.
    assert not [n for n in names if n.startswith(("webhook:run:", "initial-key:"))]
    # ...and nothing else under the prefix, of this test or any other, lacks a TTL.
    assert forever == []
