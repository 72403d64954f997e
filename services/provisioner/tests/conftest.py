from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from fastapi import FastAPI

from provisioner.app import create_app
from provisioner.settings import ProvisionerSettings
from service_kit_testing import TestInfra, served, service_fixtures, started
from shared_schemas.events import (
    Contact,
    PlanFacts,
    TenantProvisioningRequested,
    TenantProvisioningRequestedData,
    Tier,
    WebhookReceived,
    WebhookReceivedData,
    WebhookRunRegistered,
    WebhookRunRegisteredData,
)

LocalDriver = Callable[[FastAPI], AbstractAsyncContextManager[ProvisionerSettings]]
SERVICE_DIR = Path(__file__).resolve().parents[1]
migrated, app, client = service_fixtures(SERVICE_DIR, create_app, host="provisioner")
STANDARD = PlanFacts(
    id="standard",
    name="Standard",
    tiers=[Tier.POOLED, Tier.SILO],
    price="49.00",
    currency="USD",
    billing_period="monthly",
)


@pytest.fixture
def exports_dir(tmp_path: Path) -> Path:
    """Where the test's offboarding exports go."""
    return tmp_path / "exports"


@pytest.fixture
def settings(infra: TestInfra, exports_dir: Path) -> ProvisionerSettings:
    return infra.settings(
        ProvisionerSettings,
        pipeline_driver="manual",
        provisioner_step_attempts=2,
        provisioner_step_retry_base=0.05,
        provisioner_poll_interval=0.05,
        export_url=exports_dir.as_uri(),
    )


@pytest.fixture
def local_driver(infra: TestInfra, migrated: None) -> LocalDriver:
    """The provisioner started with its local pipeline driver, its callbacks sent to
    `receiver` (served for the block); the block gets the settings it runs on."""

    @asynccontextmanager
    async def start(receiver: FastAPI) -> AsyncIterator[ProvisionerSettings]:
        async with served(receiver) as url:
            settings: ProvisionerSettings = infra.settings(
                ProvisionerSettings,
                pipeline_driver="local",
                webhook_callback_url=url + "/webhooks/provisioning",
                provisioner_poll_interval=0.05,
                provisioner_callback_timeout=60,
            )
            async with started(create_app(settings)):
                yield settings

    return start


def request(
    tier: Tier, *, plan: PlanFacts = STANDARD, key: str | None = None
) -> TenantProvisioningRequested:
    tenant_id, pipeline_id = uuid.uuid4(), uuid.uuid4()
    return TenantProvisioningRequested.build(
        TenantProvisioningRequestedData(
            tenant_id=tenant_id,
            pipeline_id=pipeline_id,
            key=key or "k" + uuid.uuid4().hex[:12],
            name="Acme",
            tier=tier,
            plan=plan,
            contact=Contact(first_name="Ada", last_name="Lovelace", email="ada@acme.example"),
            requested_by="test",
        ),
        producer="tenant-api",
        correlation_id=pipeline_id,
        tenant_id=tenant_id,
    )


def callback(req: TenantProvisioningRequested, *, succeeded: bool = True) -> WebhookReceived:
    """The signed callback of the request's external step, as webhook-receiver publishes it."""
    d = req.data
    return WebhookReceived.build(
        WebhookReceivedData(
            delivery_id=uuid.uuid4(),
            tenant_id=d.tenant_id,
            pipeline_id=d.pipeline_id,
            scheme="arc",
            succeeded=succeeded,
            resources=[{"kind": "cluster"}],
            app_plane_url="https://acme.example.app",
        ),
        producer="webhook-receiver",
        correlation_id=d.pipeline_id,
        tenant_id=d.tenant_id,
    )


def registered(req: TenantProvisioningRequested) -> WebhookRunRegistered:
    """webhook-receiver's word that it stored the run of the request's external step."""
    d = req.data
    return WebhookRunRegistered.build(
        WebhookRunRegisteredData(tenant_id=d.tenant_id, pipeline_id=d.pipeline_id),
        producer="webhook-receiver",
        correlation_id=d.pipeline_id,
        tenant_id=d.tenant_id,
    )


@pytest.fixture
def tenant_db(settings: ProvisionerSettings) -> Callable[..., Awaitable[Any]]:
    """One value from the tenant-data database."""

    async def fetchval(sql: str, *args: Any) -> Any:
        conn = await asyncpg.connect(settings.tenant_data_dsn)
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()

    return fetchval
