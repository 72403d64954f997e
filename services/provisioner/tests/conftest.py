from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from fastapi import FastAPI

from provisioner.adapters.secrets_box import SecretBox
from provisioner.app import create_app
from provisioner.settings import ProvisionerSettings
from service_kit_testing import Publish, SqlRunner, TestInfra, served, service_fixtures, started
from shared_schemas.events import TenantProvisioningRequested, Tier

from .messages import STANDARD, request  # type: ignore[import-not-found]
from .saga import Fetch, Saga, SagaWatch  # type: ignore[import-not-found]

LocalDriver = Callable[[FastAPI], AbstractAsyncContextManager[ProvisionerSettings]]
Provisioned = Callable[[Tier], Awaitable[TenantProvisioningRequested]]
ConnectAs = Callable[[TenantProvisioningRequested], Awaitable[asyncpg.Connection]]
SERVICE_DIR = Path(__file__).resolve().parents[1]
migrated, app, client = service_fixtures(SERVICE_DIR, create_app, host="provisioner")


@pytest.fixture
def exports_dir(tmp_path: Path) -> Path:
    """Where the test's offboarding exports go."""
    return tmp_path / "exports"


def provisioner_settings(
    infra: TestInfra, exports_dir: Path, **overrides: Any
) -> ProvisionerSettings:
    """The provisioner as the tests run it (manual driver, quick retries), then `overrides`."""
    settings: ProvisionerSettings = infra.settings(
        ProvisionerSettings,
        pipeline_driver="manual",
        provisioner_step_attempts=2,
        provisioner_step_retry_base=0.05,
        provisioner_poll_interval=0.05,
        export_url=exports_dir.as_uri(),
        **overrides,
    )
    return settings


@pytest.fixture
def settings(infra: TestInfra, exports_dir: Path) -> ProvisionerSettings:
    return provisioner_settings(infra, exports_dir)


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


@pytest.fixture
def tenant_db(settings: ProvisionerSettings) -> Fetch:
    """One value from the tenant-data database."""

    async def fetchval(sql: str, *args: Any) -> Any:
        conn = await asyncpg.connect(settings.tenant_data_dsn)
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()

    return fetchval


@pytest.fixture
def saga(
    app: FastAPI,
    event_tap: Any,
    publish: Publish,
    sql: SqlRunner,
    tenant_db: Fetch,
    settings: ProvisionerSettings,
) -> SagaWatch:
    """The test's provisioner (started), seen through a tap on the routing keys it names."""

    async def watch(*routing_keys: str) -> Saga:
        return Saga(await event_tap(*routing_keys), publish, sql, tenant_db, settings)

    return watch


@pytest.fixture
def provisioned(app: FastAPI, publish: Publish, event_tap: Any) -> Provisioned:
    """A tenant of the tier provisioned to the end, with no external step: its request."""

    async def provision(tier: Tier) -> TenantProvisioningRequested:
        tap = await event_tap("#")  # every event the pipeline publishes has a route
        req = request(tier, plan=STANDARD.model_copy(update={"external_infrastructure": False}))
        await publish(req)
        (done,) = await tap.wait_for(
            "provisioning.completed", where=lambda e: e.tenant_id == req.data.tenant_id
        )
        assert done.data.pipeline_id == req.data.pipeline_id
        return req

    return provision


@pytest.fixture
async def connect_as(settings: ProvisionerSettings, sql: SqlRunner) -> AsyncIterator[ConnectAs]:
    """A session of the tenant-data database as the tenant's own role, with the password its
    ledger row keeps sealed (what the tenant would be given); closed after the test."""
    box = SecretBox(settings.tenant_secrets_key.get_secret_value())
    sessions: list[asyncpg.Connection] = []

    async def connect(req: TenantProvisioningRequested) -> asyncpg.Connection:
        role = settings.tenant_role_prefix + req.data.key
        (row,) = await sql(
            "SELECT details->>'password' AS sealed FROM provisioner.resources"
            " WHERE tenant_id = :t AND kind = 'role' AND status = 'CREATED'",
            t=req.data.tenant_id,
        )
        password = box.open(row.sealed, bound_to=f"{req.data.tenant_id}:{role}")
        conn = await asyncpg.connect(settings.tenant_data_dsn, user=role, password=password)
        sessions.append(conn)
        return conn

    yield connect
    for conn in sessions:
        conn.terminate()  # some were ended by the server on purpose
