"""The `identity` step against a real OpenID provider: each tenant's client registered by
Dynamic Client Registration, removed again on compensation and offboarding; real PostgreSQL,
Redis and RabbitMQ."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from redis.asyncio import Redis

from provisioner import identity_clients
from provisioner.adapters.faults import fault_key
from provisioner.app import create_app
from provisioner.settings import ProvisionerSettings
from service_kit_testing import EventTap, Publish, SqlRunner, TestInfra, started
from service_kit_testing.identity import IdentityProvider
from shared_schemas.events import (
    IdentityClientRegistered,
    IdentityClientSecrets,
    TenantOffboardingRequested,
    TenantOffboardingRequestedData,
    TenantProvisioningRequested,
    Tier,
    identity_client_binding,
)

from ..conftest import (  # type: ignore[import-not-found]
    STANDARD,
    Provisioned,
    provisioner_settings,  # type: ignore[import-not-found]
    request,
)

REGISTERED = "tenant.identity_client_registered"
REMOVED = "tenant.identity_client_removed"
NO_CALLBACK = STANDARD.model_copy(update={"external_infrastructure": False})


@pytest.fixture
def settings(
    infra: TestInfra, exports_dir: Path, oidc_provider: IdentityProvider
) -> ProvisionerSettings:
    """The provisioner with the test provider configured (so IDENTITY_DRIVER is oidc-dcr)."""
    return provisioner_settings(
        infra,
        exports_dir,
        oidc_issuer=oidc_provider.issuer,
        identity_initial_access_token=oidc_provider.initial_access_token,
    )


def of(req: TenantProvisioningRequested) -> Any:
    return lambda e: e.tenant_id == req.data.tenant_id


def opened(settings: ProvisionerSettings, event: IdentityClientRegistered) -> IdentityClientSecrets:
    plaintext = settings.handover_keyring().open(
        event.data.secrets, identity_client_binding(event.data.tenant_id)
    )
    return IdentityClientSecrets.model_validate_json(plaintext)


async def test_the_step_registers_the_tenants_client_and_hands_it_over_sealed(
    provisioned: Provisioned,
    event_tap: Any,
    settings: ProvisionerSettings,
    oidc_provider: IdentityProvider,
    sql: SqlRunner,
) -> None:
    tap: EventTap = await event_tap(REGISTERED, "provisioning.step_succeeded")
    req = await provisioned(Tier.POOLED)
    (event,) = await tap.wait_for(REGISTERED, where=of(req))
    client_id = event.data.client_id
    assert oidc_provider.is_registered(client_id)
    app_url = settings.tenant_app_url_template.format(key=req.data.key)
    assert event.data.redirect_uris == [app_url + "/oidc/callback"]
    assert (event.data.issuer, event.data.pipeline_id) == (
        oidc_provider.issuer,
        req.data.pipeline_id,
    )
    secrets = opened(settings, event)
    assert secrets.client_secret
    assert secrets.registration_access_token not in event.model_dump_json()
    assert secrets.client_secret not in event.model_dump_json()
    # The handed-over token manages the registration (RFC 7592 read), named after its ledger row.
    (row,) = await sql(
        "SELECT id, status, details FROM provisioner.resources"
        " WHERE tenant_id = :t AND kind = 'oidc_client'",
        t=req.data.tenant_id,
    )
    assert row.status == "CREATED"
    assert row.details["client_id"] == client_id
    assert secrets.registration_access_token not in str(row.details)
    async with httpx.AsyncClient(timeout=10) as http:
        read = await http.get(
            secrets.registration_client_uri,
            headers={"Authorization": f"Bearer {secrets.registration_access_token}"},
        )
    assert read.status_code == 200
    metadata = read.json()
    assert metadata["client_id"] == client_id
    assert str(row.id) in metadata["client_name"]
    assert req.data.key in metadata["client_name"]
    assert metadata["grant_types"] == ["authorization_code", "refresh_token"]
    assert metadata["token_endpoint_auth_method"] == "client_secret_basic"
    (done,) = await tap.wait_for(
        "provisioning.step_succeeded", where=lambda e: of(req)(e) and e.data.step == "identity"
    )
    assert done.data.details == {"client_id": client_id, "issuer": oidc_provider.issuer}


async def test_a_later_step_failing_removes_the_client_at_the_provider(
    app: FastAPI,
    event_tap: Any,
    publish: Publish,
    redis: Redis,
    settings: ProvisionerSettings,
    oidc_provider: IdentityProvider,
    sql: SqlRunner,
) -> None:
    tap: EventTap = await event_tap("#")  # every event the pipeline publishes has a route
    req = request(Tier.POOLED, plan=NO_CALLBACK)
    await redis.set(fault_key(settings.redis_key_prefix, req.data.key), "fail:credentials")
    await publish(req)
    (failed,) = await tap.wait_for("provisioning.failed", where=of(req))
    assert failed.data.step == "credentials"
    (registered,) = await tap.wait_for(REGISTERED, where=of(req))
    (removed,) = await tap.wait_for(REMOVED, where=of(req))
    assert removed.data.client_id == registered.data.client_id
    assert removed.data.reason == "compensated"
    assert not oidc_provider.is_registered(registered.data.client_id)
    compensated = [
        e.data.step
        for e in tap.received
        if e.type == "provisioning.step_compensated" and of(req)(e)
    ]
    assert compensated[0] == "identity", "newest first"
    (row,) = await sql(
        "SELECT status FROM provisioner.resources WHERE tenant_id = :t AND kind = 'oidc_client'",
        t=req.data.tenant_id,
    )
    assert row.status == "DELETED"


async def test_offboarding_deletes_the_registration(
    provisioned: Provisioned,
    event_tap: Any,
    publish: Publish,
    settings: ProvisionerSettings,
    oidc_provider: IdentityProvider,
) -> None:
    tap: EventTap = await event_tap("tenant.#")
    req = await provisioned(Tier.SILO)
    (registered,) = await tap.wait_for(REGISTERED, where=of(req))
    tenant_id = req.data.tenant_id
    await publish(
        TenantOffboardingRequested.build(
            TenantOffboardingRequestedData(tenant_id=tenant_id),
            producer="tenant-api",
            correlation_id=tenant_id,
            tenant_id=tenant_id,
        )
    )
    (gone,) = await tap.wait_for(
        "tenant.deprovisioned", where=lambda e: e.data.tenant_id == tenant_id
    )
    assert f"oidc_client:{settings.tenant_role_prefix}{req.data.key}" in gone.data.resources_removed
    (removed,) = await tap.wait_for(REMOVED, where=of(req))
    assert (removed.data.client_id, removed.data.reason) == (
        registered.data.client_id,
        "offboarded",
    )
    assert not oidc_provider.is_registered(registered.data.client_id)


async def test_with_identity_driver_none_no_identity_step_runs(
    migrated: None, event_tap: Any, publish: Publish, settings: ProvisionerSettings
) -> None:
    tap: EventTap = await event_tap("#")  # every event the pipeline publishes has a route
    req = request(Tier.POOLED, plan=NO_CALLBACK)
    async with started(create_app(settings.model_copy(update={"identity_driver": "none"}))):
        await publish(req)
        await tap.wait_for("provisioning.completed", where=of(req))
    steps = [
        e.data.step for e in tap.received if e.type == "provisioning.step_started" and of(req)(e)
    ]
    assert steps == ["preflight", "database", "credentials", "billing"]
    assert not [e for e in tap.received if e.type.startswith("tenant.identity") and of(req)(e)]


async def test_a_refused_initial_access_token_fails_the_step_at_once_and_compensates(
    migrated: None, event_tap: Any, publish: Publish, settings: ProvisionerSettings, sql: SqlRunner
) -> None:
    tap: EventTap = await event_tap("#")
    req = request(Tier.POOLED, plan=NO_CALLBACK)
    wrong = settings.model_copy(
        update={"identity_initial_access_token": SecretStr(uuid.uuid4().hex)}
    )
    async with started(create_app(wrong)):
        await publish(req)
        (failed,) = await tap.wait_for("provisioning.failed", where=of(req))
    assert failed.data.step == "identity"
    assert "identity provider refused the registration: 401" in failed.data.reason
    attempts = [
        e.data.attempt for e in tap.received if e.type == "provisioning.step_failed" and of(req)(e)
    ]
    assert attempts == [1], "a refusal is not retried"
    compensated = [
        e.data.step
        for e in tap.received
        if e.type == "provisioning.step_compensated" and of(req)(e)
    ]
    assert compensated == ["database", "preflight"]
    open_rows = await sql(
        "SELECT kind FROM provisioner.resources WHERE tenant_id = :t AND status <> 'DELETED'",
        t=req.data.tenant_id,
    )
    assert open_rows == []


async def test_an_attempt_repeated_after_the_registration_hands_the_same_client_over(
    provisioned: Provisioned, app: FastAPI, event_tap: Any, sql: SqlRunner
) -> None:
    tap: EventTap = await event_tap(REGISTERED)
    req = await provisioned(Tier.POOLED)
    (first,) = await tap.wait_for(REGISTERED, where=of(req))
    # As if the engine's transaction had been lost after the ledger's mark: the step again.
    runtime = app.state.runtime
    async with runtime.uow() as uow:
        pipeline = await uow.pipelines.get(req.data.pipeline_id)
        done = await identity_clients.register(pipeline, uow, runtime.deps)
        await uow.commit()
    assert done.details["client_id"] == first.data.client_id
    again = await tap.wait_for(REGISTERED, count=2, where=of(req))
    assert again[1].data.client_id == first.data.client_id
    (rows,) = await sql(
        "SELECT count(*) AS n FROM provisioner.resources"
        " WHERE tenant_id = :t AND kind = 'oidc_client'",
        t=req.data.tenant_id,
    )
    assert rows.n == 1


async def test_a_provider_that_does_not_answer_is_retried_then_fails_the_step(
    migrated: None, event_tap: Any, publish: Publish, settings: ProvisionerSettings
) -> None:
    tap: EventTap = await event_tap("#")
    req = request(Tier.POOLED, plan=NO_CALLBACK)
    away = settings.model_copy(update={"oidc_issuer": "http://127.0.0.1:9"})  # nothing listens
    async with started(create_app(away)):
        await publish(req)
        (failed,) = await tap.wait_for("provisioning.failed", where=of(req))
    assert failed.data.step == "identity"
    assert "the identity provider did not answer" in failed.data.reason
    attempts = [
        e.data.attempt for e in tap.received if e.type == "provisioning.step_failed" and of(req)(e)
    ]
    assert attempts == [1, 2], "tried PROVISIONER_STEP_ATTEMPTS times"


async def test_a_client_is_still_removed_after_the_driver_was_turned_off(
    migrated: None,
    event_tap: Any,
    publish: Publish,
    settings: ProvisionerSettings,
    oidc_provider: IdentityProvider,
) -> None:
    tap: EventTap = await event_tap("#")
    req = request(Tier.POOLED, plan=NO_CALLBACK)
    async with started(create_app(settings)):
        await publish(req)
        await tap.wait_for("provisioning.completed", where=of(req))
    (registered,) = await tap.wait_for(REGISTERED, where=of(req))
    tenant_id = req.data.tenant_id
    async with started(create_app(settings.model_copy(update={"identity_driver": "none"}))):
        await publish(
            TenantOffboardingRequested.build(
                TenantOffboardingRequestedData(tenant_id=tenant_id),
                producer="tenant-api",
                correlation_id=tenant_id,
                tenant_id=tenant_id,
            )
        )
        (removed,) = await tap.wait_for(REMOVED, where=of(req))
    assert removed.data.client_id == registered.data.client_id
    assert not oidc_provider.is_registered(registered.data.client_id)
