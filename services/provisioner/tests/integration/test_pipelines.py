"""Pipelines end to end inside the provisioner: real PostgreSQL, tenant-data, Redis, RabbitMQ."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from redis.asyncio import Redis

from provisioner.adapters.faults import fault_key
from provisioner.app import create_app
from provisioner.settings import ProvisionerSettings
from service_kit import api_keys
from service_kit.topology import dlq_name, queue_names
from service_kit_testing import Publish, SqlRunner, TestInfra, started
from shared_schemas.events import (
    ApiKeyReissueRequested,
    ApiKeyReissueRequestedData,
    TenantOffboardingRequested,
    TenantOffboardingRequestedData,
    TenantProvisioningTimedOut,
    TenantProvisioningTimedOutData,
    Tier,
    api_key_handover_binding,
    webhook_run_secret_binding,
)

from ..messages import callback, cancel, in_pipeline, request  # type: ignore[import-not-found]
from ..saga import SagaWatch, dead_lettered, outcome, stored_run, waiting_run  # type: ignore[import-not-found]


async def test_pooled_tenant_is_provisioned(saga: SagaWatch, redis: Redis) -> None:
    s = await saga("provisioning.*", "billing.*", "tenant.#")
    req = await s.requested(Tier.POOLED)
    await s.completed(req)
    succeeded = [e.data.step for e in s.events("provisioning.step_succeeded", req)]
    assert succeeded == ["preflight", "database", "credentials", "billing"]
    settings = s.settings
    name = settings.tenant_role_prefix + req.data.key
    assert (
        await s.tenant_db("SELECT key FROM pooled.tenants WHERE tenant_id = $1", req.data.tenant_id)
        == req.data.key
    )
    assert await s.tenant_db(
        "SELECT roles = ARRAY[$1]::name[] FROM pg_policies"
        " WHERE schemaname = 'pooled' AND policyname = $1",
        name,
    ), "the tenant's policy is its own role's"
    assert await s.tenant_db("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", name)
    # Handed over sealed, in the outbox: nothing of it in Redis.
    (issued,) = s.events("tenant.api_key_issued", req)
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
    stored = await s.sql(
        "SELECT key_hash FROM provisioner.api_keys WHERE tenant_id = :t", t=req.data.tenant_id
    )
    assert [r.key_hash for r in stored] == [hashlib.sha256(plaintext.encode()).hexdigest()]
    (invoice,) = s.events("billing.invoice_issued", req)
    assert (invoice.data.amount, invoice.data.currency) == ("49.00", "USD")
    # Each step was due the moment the one before it ended, so the engine went on in the same
    # transaction: the credentials step's key and the billing step's subscription, written in
    # the engine's transaction, carry one transaction time (now()).
    (written,) = await s.sql(
        "SELECT k.created_at = s.created_at AS together FROM provisioner.api_keys k"
        " JOIN provisioner.subscriptions s USING (pipeline_id) WHERE k.tenant_id = :t",
        t=req.data.tenant_id,
    )
    assert written.together


async def test_silo_tenant_waits_for_its_callback_then_completes(saga: SagaWatch) -> None:
    s = await saga("provisioning.*", "webhook.*")
    req = await s.requested(Tier.SILO)
    run = await waiting_run(s.sql, s.settings, req.data.tenant_id)
    assert run.pipeline_id == req.data.pipeline_id
    assert run.secret.startswith("whsec_")
    name = s.settings.tenant_role_prefix + req.data.key
    assert await s.tenant_db("SELECT 1 FROM pg_namespace WHERE nspname = $1", name)
    assert await s.tenant_db("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", name)
    assert not s.events("provisioning.completed", req)
    await s.publish(callback(req))
    done = await s.completed(req)
    assert done.data.app_url == "https://acme.example.app"
    # Kept until it expires so that a retried delivery is verified and answered as a duplicate,
    # and announced finished so that webhook-receiver refuses a new one.
    kept = await stored_run(s.sql, s.settings, req.data.tenant_id)
    assert kept == run.model_copy(update={"finished": True})
    (opened,) = s.events("webhook.run_opened", req)
    (closed,) = s.events("webhook.run_finished", req)
    assert opened.data.pipeline_id == closed.data.pipeline_id == req.data.pipeline_id
    assert opened.data.context == run.context
    assert run.secret not in opened.model_dump_json()  # sealed on its way
    secret = s.settings.run_keyring().open(
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
    sql: SqlRunner,
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
    saga: SagaWatch, redis: Redis, tier: Tier, step: str
) -> None:
    s = await saga("provisioning.*")
    req = request(tier)
    await redis.set(fault_key(s.settings.redis_key_prefix, req.data.key), f"fail:{step}")
    await s.publish(req)
    if tier is Tier.SILO and step == "billing":
        await waiting_run(s.sql, s.settings, req.data.tenant_id)
        await s.publish(callback(req))
    failed = await s.outcome(req, "provisioning.failed", "provisioning.completed")
    assert failed.type == "provisioning.failed"
    assert failed.data.step == step
    assert "injected fault" in failed.data.reason
    attempts = [e.data.attempt for e in s.events("provisioning.step_failed", req)]
    assert attempts == [1, 2], "tried PROVISIONER_STEP_ATTEMPTS times"
    done_before = [e.data.step for e in s.events("provisioning.step_succeeded", req)]
    compensated = [e.data.step for e in s.events("provisioning.step_compensated", req)]
    assert compensated == list(reversed(done_before)), "newest first"
    await s.resources_gone(req)


async def test_external_failure_compensates(saga: SagaWatch) -> None:
    s = await saga("provisioning.*")
    req = await s.waiting_silo()
    await s.publish(callback(req, succeeded=False))
    failed = await s.outcome(req, "provisioning.failed")
    assert failed.data.step == "infrastructure"
    await s.resources_gone(req)
    # No callback is awaited any more; the run is kept (finished) for duplicate detection.
    kept = await stored_run(s.sql, s.settings, req.data.tenant_id)
    assert kept is not None
    assert (kept.pipeline_id, kept.finished) == (req.data.pipeline_id, True)


async def test_cancel_while_waiting_compensates_and_a_late_callback_changes_nothing(
    saga: SagaWatch,
) -> None:
    s = await saga("provisioning.*")
    req = await s.waiting_silo()
    await s.publish(cancel(req))
    cancelled = await s.outcome(req, "provisioning.cancelled", "provisioning.failed")
    assert cancelled.type == "provisioning.cancelled"
    await s.resources_gone(req)
    before = len([e for e in s.tap.received if e.tenant_id == req.data.tenant_id])
    await s.publish(callback(req))
    await asyncio.sleep(1.0)
    after = [e for e in s.tap.received if e.tenant_id == req.data.tenant_id]
    assert len(after) == before, "a late callback publishes nothing"
    status = await s.sql(
        "SELECT status FROM provisioner.pipelines WHERE id = :p", p=req.data.pipeline_id
    )
    assert status[0].status == "CANCELLED"


async def test_timeout_compensates_with_reason_timeout(saga: SagaWatch) -> None:
    s = await saga("provisioning.*")
    req = await s.waiting_silo()
    stale = TenantProvisioningTimedOutData(
        tenant_id=req.data.tenant_id,
        pipeline_id=req.data.pipeline_id,
        last_progress_at=datetime.now(UTC),
    )
    timed_out = in_pipeline(req, TenantProvisioningTimedOut, stale, producer="tenant-api")
    await s.publish(timed_out)
    await s.publish(timed_out)  # a duplicate changes nothing
    failed = await s.outcome(req, "provisioning.failed")
    assert (failed.data.step, failed.data.reason) == ("infrastructure", "timeout")
    await s.resources_gone(req)
    await asyncio.sleep(0.5)
    assert len(s.events("provisioning.failed", req)) == 1


async def test_reserved_key_fails_preflight_without_retries(saga: SagaWatch) -> None:
    s = await saga("provisioning.*")
    req = await s.requested(Tier.POOLED, key="admin")
    failed = await s.outcome(req, "provisioning.failed")
    assert failed.data.step == "preflight"
    assert "reserved" in failed.data.reason
    assert [e.data.attempt for e in s.events("provisioning.step_failed", req)] == [1]


async def test_offboarding_removes_every_resource(saga: SagaWatch) -> None:
    s = await saga("provisioning.*", "tenant.deprovisioned")
    req = await s.requested(Tier.POOLED)
    await s.outcome(req, "provisioning.completed")
    offboard = TenantOffboardingRequested.build(
        TenantOffboardingRequestedData(tenant_id=req.data.tenant_id),
        producer="tenant-api",
        correlation_id=req.data.tenant_id,
        tenant_id=req.data.tenant_id,
    )
    await s.publish(offboard)
    gone = await s.outcome(req, "tenant.deprovisioned")
    kinds = sorted(r.split(":")[0] for r in gone.data.resources_removed)
    assert kinds == ["api_key", "policy", "pooled_tenant", "role", "subscription"]
    await s.resources_gone(req)


async def test_duplicate_request_runs_one_pipeline(saga: SagaWatch) -> None:
    s = await saga("provisioning.*")
    req = await s.requested(Tier.POOLED)
    await s.publish(req)
    await s.outcome(req, "provisioning.completed")
    await asyncio.sleep(0.5)
    assert len(s.events("provisioning.completed", req)) == 1
    rows = await s.sql(
        "SELECT id FROM provisioner.pipelines WHERE tenant_id = :t", t=req.data.tenant_id
    )
    assert len(rows) == 1


async def test_a_handler_error_fault_dead_letters_the_request_after_its_retries(
    saga: SagaWatch, redis: Redis, infra: TestInfra
) -> None:
    s = await saga("provisioning.*")
    req = request(Tier.POOLED)
    fault = fault_key(s.settings.redis_key_prefix, req.data.key)
    await redis.set(fault, "handler-error")
    await s.publish(req)
    message = await dead_lettered(infra, dlq_name(s.settings), req.id)
    headers = message.headers
    assert headers["x-reason"] == "retries_exhausted"
    assert "InjectedOutage" in headers["x-error"]
    assert "database is unreachable" in headers["x-error"]
    assert headers["x-attempt"] == len(s.settings.retry_delays)
    assert headers["x-original-routing-key"] == "tenant.provisioning_requested"
    tiers = queue_names(s.settings, "saga").retries
    assert sorted(str(death["queue"]) for death in headers["x-death"]) == sorted(tiers)
    assert not s.events("provisioning.step_started", req)

    # The cause gone, the same message provisions the tenant: the failed tries left no trace.
    await redis.delete(fault)
    await s.publish(req)
    await s.completed(req)


async def test_a_cancel_before_its_request_holds_and_the_late_request_starts_nothing(
    saga: SagaWatch,
) -> None:
    """The request was parked as a dead letter while the tenant was cancelled."""
    s = await saga("provisioning.*")
    req = request(Tier.POOLED)
    d = req.data
    cancelled = cancel(req)
    await s.publish(cancelled)
    await s.publish(cancelled)  # a duplicate tells the outcome once
    told = await s.outcome(req, "provisioning.cancelled")
    assert told.data.pipeline_id == d.pipeline_id

    await s.publish(req)  # the replayed request, late
    await asyncio.sleep(1.0)
    assert [e.type for e in s.tap.received if e.tenant_id == d.tenant_id] == [
        "provisioning.cancelled"
    ]
    started = await s.sql("SELECT id FROM provisioner.pipelines WHERE id = :p", p=d.pipeline_id)
    assert started == []
    recorded = await s.sql(
        "SELECT reason FROM provisioner.stops_before_start WHERE pipeline_id = :p",
        p=d.pipeline_id,
    )
    assert [r.reason for r in recorded] == ["cancel"]


async def test_a_reissue_revokes_the_live_key_and_hands_over_a_new_one(saga: SagaWatch) -> None:
    s = await saga("provisioning.*", "tenant.#")
    req = await s.requested(Tier.POOLED)
    await s.completed(req)
    (first,) = s.events("tenant.api_key_issued", req)
    reissue = ApiKeyReissueRequested.build(
        ApiKeyReissueRequestedData(tenant_id=req.data.tenant_id, requested_by="test:admin"),
        producer="tenant-api",
        correlation_id=req.data.tenant_id,
        tenant_id=req.data.tenant_id,
    )
    await s.publish(reissue)
    await s.publish(reissue)  # a redelivery changes nothing more
    revoked = await s.outcome(req, "tenant.api_key_revoked")
    assert revoked.data.api_key_id == first.data.api_key_id
    for _ in range(100):
        issued = s.events("tenant.api_key_issued", req)
        if len(issued) == 2:
            break
        await asyncio.sleep(0.05)
    second = issued[1]
    assert second.data.api_key_id != first.data.api_key_id
    new_key = s.settings.handover_keyring().open(
        second.data.key, api_key_handover_binding(second.data.api_key_id)
    )
    keys = await s.sql(
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
    ledger = await s.sql(
        "SELECT name FROM provisioner.resources"
        " WHERE tenant_id = :t AND kind = 'api_key' AND status <> 'DELETED'",
        t=req.data.tenant_id,
    )
    assert [r.name for r in ledger] == [str(second.data.api_key_id)]
    assert len(s.events("tenant.api_key_revoked", req)) == 1
