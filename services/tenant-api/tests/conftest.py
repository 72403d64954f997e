from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from service_kit.tokens import mint_token
from service_kit_testing import SqlRunner, TestInfra, publish_raw, service_fixtures
from shared_schemas.events import Address, LeadVerified, LeadVerifiedData
from tenant_api.app import create_app
from tenant_api.settings import TenantApiSettings

from .desk import Desk
from .gateway import gateway_settings, onboard, provision
from .saga import FakeProvisioner

SERVICE_DIR = Path(__file__).resolve().parents[1]
migrated, app, client = service_fixtures(SERVICE_DIR, create_app, host="gateway")


@pytest.fixture
def settings(infra: TestInfra, tmp_path: Path) -> TenantApiSettings:
    # Every test shares one client IP and `test:<role>` subjects: limits out of the way here;
    # test_rate_limits.py checks them with small limits and Redis keys of its own. Offboarding
    # exports go to the test's own folder.
    return gateway_settings(
        infra,
        lead_facts_wait=5.0,
        public_api_max_attempts=10_000,
        auth_api_max_requests=100_000,
        export_url=(tmp_path / "exports").as_uri(),
    )


@pytest.fixture
def token(settings: TenantApiSettings) -> Callable[..., str]:
    def make(role: str, **claims: Any) -> str:
        return mint_token(
            settings, role=role, sub=f"test:{role}", ttl=timedelta(minutes=5), **claims
        )

    return make


def lead_verified(lead_id: uuid.UUID, email: str) -> LeadVerified:
    return LeadVerified.build(
        LeadVerifiedData(
            lead_id=lead_id,
            first_name="Ada",
            last_name="Lovelace",
            company_name="Analytical Engines",
            email=email,
            address=Address(address="1 Loom St", city="London", zip="N1", country="GB"),
            verified_at=datetime.now(UTC),
        ),
        producer="lead-verifier",
        correlation_id=lead_id,
    )


@pytest.fixture
def verified_lead(infra: TestInfra) -> Callable[..., Awaitable[LeadVerified]]:
    """Publish `lead.verified` as lead-verifier would; return the event."""

    async def publish(email: str | None = None) -> LeadVerified:
        lead_id = uuid.uuid4()
        event = lead_verified(lead_id, email or f"ada-{lead_id.hex[:6]}@engines.example")
        await publish_raw(infra, event.type, event.model_dump_json().encode())
        return event

    return publish


@pytest.fixture
def new_tenant(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> Callable[..., Awaitable[dict[str, Any]]]:
    """Onboard a tenant directly as an admin; return its JSON."""

    async def create(*, tier: str = "pooled", plan_id: str | None = None) -> dict[str, Any]:
        key = "t" + uuid.uuid4().hex[:12]
        return await onboard(
            client, token, key=key, name=f"Initech {key}", tier=tier, plan_id=plan_id
        )

    return create


@pytest.fixture
def provisioning(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    new_tenant: Callable[..., Awaitable[dict[str, Any]]],
    infra: TestInfra,
) -> Callable[..., Awaitable[FakeProvisioner]]:
    """A new tenant, provisioned by an admin; the provisioner's side of its pipeline."""

    async def start(**tenant_args: Any) -> FakeProvisioner:
        return await provision(client, token, infra, await new_tenant(**tenant_args))

    return start


@pytest.fixture
def desk(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    sql: SqlRunner,
    new_tenant: Callable[..., Awaitable[dict[str, Any]]],
    provisioning: Callable[..., Awaitable[FakeProvisioner]],
) -> Desk:
    return Desk(client, token, sql, new_tenant, provisioning)
