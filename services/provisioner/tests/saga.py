"""The provisioner's saga seen from a test: the events it published for a tenant, the webhook
run it keeps, and what it left in the tenant-data database once a tenant is gone."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from provisioner.settings import ProvisionerSettings
from service_kit.webhooks import WebhookRun
from service_kit_testing import EventTap, Publish, SqlRunner, TestInfra, wait_for_queue_messages
from shared_schemas.events import (
    Sealed,
    TenantProvisioningRequested,
    Tier,
    webhook_run_secret_binding,
)

from .messages import callback, request  # type: ignore[import-not-found]

Fetch = Callable[..., Awaitable[Any]]
"""One value from the tenant-data database (the `tenant_db` fixture)."""


def mine(tap: Any, event_type: str, tenant_id: uuid.UUID) -> list[Any]:
    return [e for e in tap.received if e.type == event_type and e.tenant_id == tenant_id]


async def outcome(tap: Any, tenant_id: uuid.UUID, *types: str, timeout: float = 15) -> Any:
    """The first of `types` published for the tenant."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        for event_type in types:
            found = mine(tap, event_type, tenant_id)
            if found:
                return found[0]
        await asyncio.sleep(0.05)
    seen = [e.type for e in tap.received if e.tenant_id == tenant_id]
    raise AssertionError(f"none of {types} for {tenant_id}; saw {seen}")


async def stored_run(
    sql: SqlRunner, settings: ProvisionerSettings, tenant_id: uuid.UUID
) -> WebhookRun | None:
    """The tenant's newest run in the provisioner's own table, its sealed secret opened."""
    rows = await sql(
        "SELECT pipeline_id, context, secret, finished_at IS NOT NULL AS finished"
        " FROM provisioner.webhook_runs WHERE tenant_id = :t ORDER BY created_at DESC LIMIT 1",
        t=tenant_id,
    )
    if not rows:
        return None
    row = rows[0]
    secret = settings.run_keyring().open(
        Sealed.model_validate(row.secret), webhook_run_secret_binding(row.pipeline_id)
    )
    return WebhookRun(
        secret=secret, context=row.context, pipeline_id=row.pipeline_id, finished=row.finished
    )


async def waiting_run(sql: SqlRunner, settings: ProvisionerSettings, tenant_id: uuid.UUID) -> Any:
    for _ in range(200):
        run = await stored_run(sql, settings, tenant_id)
        if run is not None:
            return run
        await asyncio.sleep(0.05)
    raise AssertionError("the infrastructure step never stored its webhook run")


async def silo_request_waiting(
    publish: Publish, sql: SqlRunner, settings: ProvisionerSettings
) -> TenantProvisioningRequested:
    """A silo tenant's request, published and waiting for its infrastructure callback."""
    req = request(Tier.SILO)
    await publish(req)
    await waiting_run(sql, settings, req.data.tenant_id)
    return req


async def resources_gone(
    settings: ProvisionerSettings, req: Any, tenant_db: Fetch, sql: SqlRunner
) -> None:
    name = settings.tenant_role_prefix + req.data.key
    assert not await tenant_db("SELECT 1 FROM pg_namespace WHERE nspname = $1", name)
    assert not await tenant_db("SELECT 1 FROM pg_roles WHERE rolname = $1", name)
    assert not await tenant_db(
        "SELECT 1 FROM pooled.tenants WHERE tenant_id = $1", req.data.tenant_id
    )
    assert not await tenant_db("SELECT 1 FROM pg_policies WHERE policyname = $1", name)
    live_keys = await sql(
        "SELECT id FROM provisioner.api_keys WHERE tenant_id = :t AND revoked_at IS NULL",
        t=req.data.tenant_id,
    )
    assert live_keys == []
    live_subs = await sql(
        "SELECT id FROM provisioner.subscriptions WHERE tenant_id = :t AND status = 'ACTIVE'",
        t=req.data.tenant_id,
    )
    assert live_subs == []
    # An offboarding's export stays recorded: the tenant's copy outlives its resources.
    open_ledger = await sql(
        "SELECT kind FROM provisioner.resources WHERE tenant_id = :t AND status <> 'DELETED' "
        "AND kind <> 'export'",
        t=req.data.tenant_id,
    )
    assert open_ledger == []


async def dead_lettered(infra: TestInfra, queue: str, event_id: uuid.UUID) -> Any:
    """The DLQ copy of one event (others in the queue are taken and dropped)."""
    deadline = asyncio.get_running_loop().time() + 15
    while asyncio.get_running_loop().time() < deadline:
        remaining = deadline - asyncio.get_running_loop().time()
        (message,) = await wait_for_queue_messages(infra, queue, timeout=remaining)
        if str(event_id).encode() in message.body:
            return message
    raise AssertionError(f"{event_id} never reached {queue}")


@dataclass(frozen=True)
class Saga:
    """The running provisioner of a test, with what it needs to drive a tenant's pipeline and
    to read the result, so that each test names only what it asserts."""

    tap: EventTap
    publish: Publish
    sql: SqlRunner
    tenant_db: Fetch
    settings: ProvisionerSettings

    def events(self, event_type: str, req: TenantProvisioningRequested) -> list[Any]:
        """The events of `event_type` the tap saw for the request's tenant."""
        return mine(self.tap, event_type, req.data.tenant_id)

    async def outcome(self, req: TenantProvisioningRequested, *types: str) -> Any:
        return await outcome(self.tap, req.data.tenant_id, *types)

    async def completed(self, req: TenantProvisioningRequested) -> Any:
        """The pipeline's end, asserted a success (a failure is reported as such)."""
        done = await self.outcome(req, "provisioning.completed", "provisioning.failed")
        assert done.type == "provisioning.completed", done.data
        return done

    async def requested(self, tier: Tier, *, key: str | None = None) -> TenantProvisioningRequested:
        """A new tenant's request, published."""
        req = request(tier, key=key)
        await self.publish(req)
        return req

    async def waiting_silo(self) -> TenantProvisioningRequested:
        return await silo_request_waiting(self.publish, self.sql, self.settings)

    async def provisioned(self, tier: Tier) -> TenantProvisioningRequested:
        """A tenant of the tier provisioned to the end, a silo's callback answered."""
        req = await self.requested(tier)
        if tier is Tier.SILO:
            await waiting_run(self.sql, self.settings, req.data.tenant_id)
            await self.publish(callback(req))
        await self.completed(req)
        return req

    async def resources_gone(self, req: TenantProvisioningRequested) -> None:
        await resources_gone(self.settings, req, self.tenant_db, self.sql)


SagaWatch = Callable[..., Awaitable[Saga]]
"""`await saga("provisioning.*", …)`: the running provisioner, its events tapped on those keys."""
