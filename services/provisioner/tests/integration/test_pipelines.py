"""Pipelines end to end inside the provisioner: real PostgreSQL, tenant-data, Redis, RabbitMQ."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from provisioner.adapters.faults import fault_key
from provisioner.app import create_app
from provisioner.settings import ProvisionerSettings
from service_kit import api_keys
from service_kit.topology import dlq_name, queue_names
from service_kit.webhooks import WebhookRun
from service_kit_testing import Publish, TestInfra, started, wait_for_queue_messages
from shared_schemas.events import (
    ApiKeyReissueRequested,
    ApiKeyReissueRequestedData,
    PipelineRef,
    Sealed,
    TenantCancelRequested,
    TenantOffboardingRequested,
    TenantOffboardingRequestedData,
    TenantProvisioningRequested,
    TenantProvisioningTimedOut,
    TenantProvisioningTimedOutData,
    Tier,
    api_key_handover_binding,
    webhook_run_secret_binding,
)

from ..conftest import callback, request  # type: ignore[import-not-found]

Fetch = Callable[..., Awaitable[Any]]
Sql = Callable[..., Awaitable[list[Any]]]


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
    sql: Sql, settings: ProvisionerSettings, tenant_id: uuid.UUID
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


async def waiting_run(sql: Sql, settings: ProvisionerSettings, tenant_id: uuid.UUID) -> Any:
    for _ in range(200):
        run = await stored_run(sql, settings, tenant_id)
        if run is not None:
            return run
        await asyncio.sleep(0.05)
    raise AssertionError("the infrastructure step never stored its webhook run")


async def silo_request_waiting(
    publish: Publish, sql: Sql, settings: ProvisionerSettings
) -> TenantProvisioningRequested:
    """A silo tenant's request, published and waiting for its infrastructure callback."""
    req = request(Tier.SILO)
    await publish(req)
    await waiting_run(sql, settings, req.data.tenant_id)
    return req


async def resources_gone(
    settings: ProvisionerSettings, req: Any, tenant_db: Fetch, sql: Sql
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


async def test_pooled_tenant_is_provisioned(
    app: FastAPI,
    event_tap: Any,
    publish: Publish,
    tenant_db: Fetch,
    sql: Sql,
    redis: Redis,
    settings: ProvisionerSettings,
) -> None:
    tap = await event_tap("provisioning.*", "billing.*", "tenant.#")
    req = request(Tier.POOLED)
    await publish(req)
    done = await outcome(tap, req.data.tenant_id, "provisioning.completed", "provisioning.failed")
    assert done.type == "provisioning.completed"
    succeeded = [e.data.step for e in mine(tap, "provisioning.step_succeeded", req.data.tenant_id)]
    assert succeeded == ["preflight", "database", "credentials", "billing"]
    name = settings.tenant_role_prefix + req.data.key
    assert (
        await tenant_db("SELECT key FROM pooled.tenants WHERE tenant_id = $1", req.data.tenant_id)
        == req.data.key
    )
    assert await tenant_db(
        "SELECT roles = ARRAY[$1]::name[] FROM pg_policies"
        " WHERE schemaname = 'pooled' AND policyname = $1",
        name,
    ), "the tenant's policy is its own role's"
    assert await tenant_db("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", name)
    # Handed over sealed, in the outbox: nothing of it in Redis.
    (issued,) = mine(tap, "tenant.api_key_issued", req.data.tenant_id)
    assert issued.data.prefix not in issued.data.key.ciphertext
    plaintext = settings.handover_keyring().open(
        issued.data.key, api_key_handover_binding(issued.data.api_key_id)
    )
    assert plaintext.startswith(issued.data.prefix)
    # In the shape tenant-api verifies, with what it needs to register the key.
    assert api_keys.public_id_of(plaintext) == issued.data.public_id
    assert issued.data.key_hash == api_keys.digest(plaintext)
    assert issued.data.scopes == ["admin"]
    assert await redis.get(f"{settings.redis_key_prefix}initial-key:{req.data.tenant_id}") is None
    stored = await sql(
        "SELECT key_hash FROM provisioner.api_keys WHERE tenant_id = :t", t=req.data.tenant_id
    )
    assert [r.key_hash for r in stored] == [hashlib.sha256(plaintext.encode()).hexdigest()]
    (invoice,) = mine(tap, "billing.invoice_issued", req.data.tenant_id)
    assert (invoice.data.amount, invoice.data.currency) == ("49.00", "USD")
    # Each step was due the moment the one before it ended, so the engine went on in the same
    # transaction: the credentials step's key and the billing step's subscription, written in
    # the engine's transaction, carry one transaction time (now()).
    (written,) = await sql(
        "SELECT k.created_at = s.created_at AS together FROM provisioner.api_keys k"
        " JOIN provisioner.subscriptions s USING (pipeline_id) WHERE k.tenant_id = :t",
        t=req.data.tenant_id,
    )
    assert written.together


async def test_silo_tenant_waits_for_its_callback_then_completes(
    app: FastAPI,
    event_tap: Any,
    publish: Publish,
    tenant_db: Fetch,
    sql: Sql,
    settings: ProvisionerSettings,
) -> None:
    tap = await event_tap("provisioning.*", "webhook.*")
    req = request(Tier.SILO)
    await publish(req)
    run = await waiting_run(sql, settings, req.data.tenant_id)
    assert run.pipeline_id == req.data.pipeline_id
    assert run.secret.startswith("whsec_")
    name = settings.tenant_role_prefix + req.data.key
    assert await tenant_db("SELECT 1 FROM pg_namespace WHERE nspname = $1", name)
    assert await tenant_db("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", name)
    assert not mine(tap, "provisioning.completed", req.data.tenant_id)
    await publish(callback(req))
    done = await outcome(tap, req.data.tenant_id, "provisioning.completed", "provisioning.failed")
    assert done.type == "provisioning.completed"
    assert done.data.app_url == "https://acme.example.app"
    # Kept until it expires so that a retried delivery is verified and answered as a duplicate,
    # and announced finished so that webhook-receiver refuses a new one.
    kept = await stored_run(sql, settings, req.data.tenant_id)
    assert kept == run.model_copy(update={"finished": True})
    (opened,) = mine(tap, "webhook.run_opened", req.data.tenant_id)
    (closed,) = mine(tap, "webhook.run_finished", req.data.tenant_id)
    assert opened.data.pipeline_id == closed.data.pipeline_id == req.data.pipeline_id
    assert opened.data.context == run.context
    assert run.secret not in opened.model_dump_json()  # sealed on its way
    secret = settings.run_keyring().open(
        opened.data.secret, webhook_run_secret_binding(req.data.pipeline_id)
    )
    assert secret == run.secret


@pytest.fixture
def settings_without_polls(settings: ProvisionerSettings) -> ProvisionerSettings:
    # The engine looks for due pipelines only when woken, as far as these tests last.
    return settings.model_copy(update={"provisioner_poll_interval": 600.0})


async def test_a_request_and_a_callback_wake_the_engine_without_waiting_for_a_poll(
    settings_without_polls: ProvisionerSettings,
    migrated: None,
    event_tap: Any,
    publish: Publish,
    sql: Sql,
) -> None:
    # Each handler wakes the engine once its transaction has committed (woken before, the
    # engine could find the pipeline still locked or not there yet); with no poll to come, a
    # missed wake would leave the pipeline waiting ten minutes.
    settings = settings_without_polls
    async with started(create_app(settings)):
        tap = await event_tap("provisioning.*")
        req = request(Tier.SILO)
        await publish(req)
        await waiting_run(sql, settings, req.data.tenant_id)
        await publish(callback(req))
        done = await outcome(
            tap, req.data.tenant_id, "provisioning.completed", "provisioning.failed"
        )
    assert done.type == "provisioning.completed"


@pytest.mark.parametrize(
    ("tier", "step"),
    [
        (Tier.POOLED, "database"),
        (Tier.POOLED, "credentials"),
        (Tier.POOLED, "billing"),
        (Tier.SILO, "database"),
        (Tier.SILO, "billing"),
    ],
)
async def test_a_failing_step_is_retried_then_everything_is_compensated(
    app: FastAPI,
    event_tap: Any,
    publish: Publish,
    tenant_db: Fetch,
    sql: Sql,
    redis: Redis,
    settings: ProvisionerSettings,
    tier: Tier,
    step: str,
) -> None:
    tap = await event_tap("provisioning.*")
    req = request(tier)
    await redis.set(fault_key(settings.redis_key_prefix, req.data.key), f"fail:{step}")
    await publish(req)
    if tier is Tier.SILO and step == "billing":
        await waiting_run(sql, settings, req.data.tenant_id)
        await publish(callback(req))
    failed = await outcome(tap, req.data.tenant_id, "provisioning.failed", "provisioning.completed")
    assert failed.type == "provisioning.failed"
    assert failed.data.step == step
    assert "injected fault" in failed.data.reason
    attempts = [e.data.attempt for e in mine(tap, "provisioning.step_failed", req.data.tenant_id)]
    assert attempts == [1, 2], "tried PROVISIONER_STEP_ATTEMPTS times"
    done_before = [
        e.data.step for e in mine(tap, "provisioning.step_succeeded", req.data.tenant_id)
    ]
    compensated = [
        e.data.step for e in mine(tap, "provisioning.step_compensated", req.data.tenant_id)
    ]
    assert compensated == list(reversed(done_before)), "newest first"
    await resources_gone(settings, req, tenant_db, sql)


async def test_external_failure_compensates(
    app: FastAPI,
    event_tap: Any,
    publish: Publish,
    tenant_db: Fetch,
    sql: Sql,
    settings: ProvisionerSettings,
) -> None:
    tap = await event_tap("provisioning.*")
    req = await silo_request_waiting(publish, sql, settings)
    await publish(callback(req, succeeded=False))
    failed = await outcome(tap, req.data.tenant_id, "provisioning.failed")
    assert failed.data.step == "infrastructure"
    await resources_gone(settings, req, tenant_db, sql)
    # No callback is awaited any more; the run is kept (finished) for duplicate detection.
    kept = await stored_run(sql, settings, req.data.tenant_id)
    assert kept is not None
    assert (kept.pipeline_id, kept.finished) == (req.data.pipeline_id, True)


async def test_cancel_while_waiting_compensates_and_a_late_callback_changes_nothing(
    app: FastAPI,
    event_tap: Any,
    publish: Publish,
    tenant_db: Fetch,
    sql: Sql,
    settings: ProvisionerSettings,
) -> None:
    tap = await event_tap("provisioning.*")
    req = await silo_request_waiting(publish, sql, settings)
    ref = PipelineRef(tenant_id=req.data.tenant_id, pipeline_id=req.data.pipeline_id)
    await publish(
        TenantCancelRequested.build(
            ref,
            producer="tenant-api",
            correlation_id=req.data.pipeline_id,
            tenant_id=req.data.tenant_id,
        )
    )
    cancelled = await outcome(
        tap, req.data.tenant_id, "provisioning.cancelled", "provisioning.failed"
    )
    assert cancelled.type == "provisioning.cancelled"
    await resources_gone(settings, req, tenant_db, sql)
    before = len([e for e in tap.received if e.tenant_id == req.data.tenant_id])
    await publish(callback(req))
    await asyncio.sleep(1.0)
    after = [e for e in tap.received if e.tenant_id == req.data.tenant_id]
    assert len(after) == before, "a late callback publishes nothing"
    status = await sql(
        "SELECT status FROM provisioner.pipelines WHERE id = :p", p=req.data.pipeline_id
    )
    assert status[0].status == "CANCELLED"


async def test_timeout_compensates_with_reason_timeout(
    app: FastAPI,
    event_tap: Any,
    publish: Publish,
    tenant_db: Fetch,
    sql: Sql,
    settings: ProvisionerSettings,
) -> None:
    tap = await event_tap("provisioning.*")
    req = await silo_request_waiting(publish, sql, settings)
    from datetime import UTC, datetime

    timed_out = TenantProvisioningTimedOut.build(
        TenantProvisioningTimedOutData(
            tenant_id=req.data.tenant_id,
            pipeline_id=req.data.pipeline_id,
            last_progress_at=datetime.now(UTC),
        ),
        producer="tenant-api",
        correlation_id=req.data.pipeline_id,
        tenant_id=req.data.tenant_id,
    )
    await publish(timed_out)
    await publish(timed_out)  # a duplicate changes nothing
    failed = await outcome(tap, req.data.tenant_id, "provisioning.failed")
    assert (failed.data.step, failed.data.reason) == ("infrastructure", "timeout")
    await resources_gone(settings, req, tenant_db, sql)
    await asyncio.sleep(0.5)
    assert len(mine(tap, "provisioning.failed", req.data.tenant_id)) == 1


async def test_reserved_key_fails_preflight_without_retries(
    app: FastAPI,
    event_tap: Any,
    publish: Publish,
) -> None:
    tap = await event_tap("provisioning.*")
    req = request(Tier.POOLED, key="admin")
    await publish(req)
    failed = await outcome(tap, req.data.tenant_id, "provisioning.failed")
    assert failed.data.step == "preflight"
    assert "reserved" in failed.data.reason
    assert [e.data.attempt for e in mine(tap, "provisioning.step_failed", req.data.tenant_id)] == [
        1
    ]


async def test_offboarding_removes_every_resource(
    app: FastAPI,
    event_tap: Any,
    publish: Publish,
    tenant_db: Fetch,
    sql: Sql,
    settings: ProvisionerSettings,
) -> None:
    tap = await event_tap("provisioning.*", "tenant.deprovisioned")
    req = request(Tier.POOLED)
    await publish(req)
    await outcome(tap, req.data.tenant_id, "provisioning.completed")
    offboard = TenantOffboardingRequested.build(
        TenantOffboardingRequestedData(tenant_id=req.data.tenant_id),
        producer="tenant-api",
        correlation_id=req.data.tenant_id,
        tenant_id=req.data.tenant_id,
    )
    await publish(offboard)
    gone = await outcome(tap, req.data.tenant_id, "tenant.deprovisioned")
    kinds = sorted(r.split(":")[0] for r in gone.data.resources_removed)
    assert kinds == ["api_key", "policy", "pooled_tenant", "role", "subscription"]
    await resources_gone(settings, req, tenant_db, sql)


async def test_duplicate_request_runs_one_pipeline(
    app: FastAPI,
    event_tap: Any,
    publish: Publish,
    sql: Sql,
) -> None:
    tap = await event_tap("provisioning.*")
    req = request(Tier.POOLED)
    await publish(req)
    await publish(req)
    await outcome(tap, req.data.tenant_id, "provisioning.completed")
    await asyncio.sleep(0.5)
    assert len(mine(tap, "provisioning.completed", req.data.tenant_id)) == 1
    rows = await sql(
        "SELECT id FROM provisioner.pipelines WHERE tenant_id = :t", t=req.data.tenant_id
    )
    assert len(rows) == 1


async def _dead_lettered(infra: TestInfra, queue: str, event_id: uuid.UUID) -> Any:
    """The DLQ copy of one event (others in the queue are taken and dropped)."""
    deadline = asyncio.get_running_loop().time() + 15
    while asyncio.get_running_loop().time() < deadline:
        remaining = deadline - asyncio.get_running_loop().time()
        (message,) = await wait_for_queue_messages(infra, queue, timeout=remaining)
        if str(event_id).encode() in message.body:
            return message
    raise AssertionError(f"{event_id} never reached {queue}")


async def test_a_handler_error_fault_dead_letters_the_request_after_its_retries(
    app: FastAPI,
    event_tap: Any,
    publish: Publish,
    redis: Redis,
    settings: ProvisionerSettings,
    infra: TestInfra,
) -> None:
    tap = await event_tap("provisioning.*")
    req = request(Tier.POOLED)
    fault = fault_key(settings.redis_key_prefix, req.data.key)
    await redis.set(fault, "handler-error")
    await publish(req)
    message = await _dead_lettered(infra, dlq_name(settings), req.id)
    headers = message.headers
    assert headers["x-reason"] == "retries_exhausted"
    assert "InjectedOutage" in headers["x-error"]
    assert "database is unreachable" in headers["x-error"]
    assert headers["x-attempt"] == len(settings.retry_delays)
    assert headers["x-original-routing-key"] == "tenant.provisioning_requested"
    tiers = queue_names(settings, "saga").retries
    assert sorted(str(death["queue"]) for death in headers["x-death"]) == sorted(tiers)
    assert not mine(tap, "provisioning.step_started", req.data.tenant_id)

    # The cause gone, the same message provisions the tenant: the failed tries left no trace.
    await redis.delete(fault)
    await publish(req)
    done = await outcome(tap, req.data.tenant_id, "provisioning.completed", "provisioning.failed")
    assert done.type == "provisioning.completed"


async def test_a_cancel_before_its_request_holds_and_the_late_request_starts_nothing(
    app: FastAPI, event_tap: Any, publish: Publish, sql: Sql
) -> None:
    """The request was parked as a dead letter while the tenant was cancelled."""
    tap = await event_tap("provisioning.*")
    req = request(Tier.POOLED)
    d = req.data
    cancel = TenantCancelRequested.build(
        PipelineRef(tenant_id=d.tenant_id, pipeline_id=d.pipeline_id),
        producer="tenant-api",
        correlation_id=d.pipeline_id,
        tenant_id=d.tenant_id,
    )
    await publish(cancel)
    await publish(cancel)  # a duplicate tells the outcome once
    told = await outcome(tap, d.tenant_id, "provisioning.cancelled")
    assert told.data.pipeline_id == d.pipeline_id

    await publish(req)  # the replayed request, late
    await asyncio.sleep(1.0)
    assert [e.type for e in tap.received if e.tenant_id == d.tenant_id] == [
        "provisioning.cancelled"
    ]
    started = await sql("SELECT id FROM provisioner.pipelines WHERE id = :p", p=d.pipeline_id)
    assert started == []
    recorded = await sql(
        "SELECT reason FROM provisioner.stops_before_start WHERE pipeline_id = :p",
        p=d.pipeline_id,
    )
    assert [r.reason for r in recorded] == ["cancel"]


async def test_a_reissue_revokes_the_live_key_and_hands_over_a_new_one(
    app: FastAPI,
    event_tap: Any,
    publish: Publish,
    sql: Sql,
    settings: ProvisionerSettings,
) -> None:
    tap = await event_tap("provisioning.*", "tenant.#")
    req = request(Tier.POOLED)
    await publish(req)
    done = await outcome(tap, req.data.tenant_id, "provisioning.completed", "provisioning.failed")
    assert done.type == "provisioning.completed"
    (first,) = mine(tap, "tenant.api_key_issued", req.data.tenant_id)
    reissue = ApiKeyReissueRequested.build(
        ApiKeyReissueRequestedData(tenant_id=req.data.tenant_id, requested_by="test:admin"),
        producer="tenant-api",
        correlation_id=req.data.tenant_id,
        tenant_id=req.data.tenant_id,
    )
    await publish(reissue)
    await publish(reissue)  # a redelivery changes nothing more
    revoked = await outcome(tap, req.data.tenant_id, "tenant.api_key_revoked")
    assert revoked.data.api_key_id == first.data.api_key_id
    for _ in range(100):
        issued = mine(tap, "tenant.api_key_issued", req.data.tenant_id)
        if len(issued) == 2:
            break
        await asyncio.sleep(0.05)
    second = issued[1]
    assert second.data.api_key_id != first.data.api_key_id
    new_key = settings.handover_keyring().open(
        second.data.key, api_key_handover_binding(second.data.api_key_id)
    )
    keys = await sql(
        "SELECT id, key_hash, revoked_at IS NULL AS live FROM provisioner.api_keys"
        " WHERE tenant_id = :t",
        t=req.data.tenant_id,
    )
    assert {(k.id, k.live) for k in keys} == {
        (first.data.api_key_id, False),
        (second.data.api_key_id, True),
    }
    (live,) = [k for k in keys if k.live]
    assert live.key_hash == hashlib.sha256(new_key.encode()).hexdigest()
    ledger = await sql(
        "SELECT name FROM provisioner.resources"
        " WHERE tenant_id = :t AND kind = 'api_key' AND status <> 'DELETED'",
        t=req.data.tenant_id,
    )
    assert [r.name for r in ledger] == [str(second.data.api_key_id)]
    assert len(mine(tap, "tenant.api_key_revoked", req.data.tenant_id)) == 1
