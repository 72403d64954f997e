"""webhook-receiver under test: runs recorded as their announcements record them, and callbacks
signed as a run's sender signs them (Arc's scheme or Standard Webhooks)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.db import make_engine
from service_kit.tokens import mint_token
from service_kit.webhooks import WebhookRun, new_run, sign_arc, sign_standard
from service_kit_testing import TestInfra, service_fixtures
from shared_schemas.events import (
    WebhookRunFinishedData,
    WebhookRunOpenedData,
    webhook_run_secret_binding,
)
from webhook_receiver.adapters.runs import Runs
from webhook_receiver.app import create_app
from webhook_receiver.settings import WebhookReceiverSettings

SERVICE_DIR = Path(__file__).resolve().parents[1]
migrated, app, client = service_fixtures(SERVICE_DIR, create_app, host="webhooks")


@pytest.fixture
def settings(infra: TestInfra) -> WebhookReceiverSettings:
    return infra.settings(WebhookReceiverSettings)


def opened_data(
    settings: WebhookReceiverSettings, tenant_id: uuid.UUID, run: WebhookRun, ttl: float = 600
) -> WebhookRunOpenedData:
    """A run's announcement, its secret sealed as the provisioner seals it."""
    return WebhookRunOpenedData(
        tenant_id=tenant_id,
        pipeline_id=run.pipeline_id,
        context=run.context,
        secret=settings.run_keyring().seal(run.secret, webhook_run_secret_binding(run.pipeline_id)),
        expires_at=datetime.now(UTC) + timedelta(seconds=ttl),
    )


async def record_run(
    settings: WebhookReceiverSettings,
    tenant_id: uuid.UUID,
    run: WebhookRun,
    *,
    finished: bool = False,
    ttl: float = 600,
    opened_at: datetime | None = None,
) -> None:
    """Record a run as its announcements do (the consumer's own adapter, on real PostgreSQL)."""
    data = opened_data(settings, tenant_id, run, ttl)
    engine = make_engine(settings.database_url, schema=settings.db_schema)
    try:
        async with engine.begin() as conn, AsyncSession(bind=conn) as session:
            runs = Runs(session)
            await runs.opened(data, opened_at or datetime.now(UTC))
            if finished:
                await runs.finished(
                    WebhookRunFinishedData(
                        tenant_id=tenant_id, pipeline_id=run.pipeline_id, expires_at=data.expires_at
                    ),
                )
            await session.flush()
    finally:
        await engine.dispose()


OpenRun = Callable[[], Awaitable[tuple[uuid.UUID, WebhookRun]]]
Sign = Callable[[WebhookRun, bytes], dict[str, str]]


@pytest.fixture
def open_run(settings: WebhookReceiverSettings, migrated: None) -> OpenRun:
    """Record a run for a new tenant, as the provisioner's announcement does."""

    async def make() -> tuple[uuid.UUID, WebhookRun]:
        tenant_id = uuid.uuid4()
        run = new_run(uuid.uuid4())
        await record_run(settings, tenant_id, run)
        return tenant_id, run

    return make


def callback_body(tenant_id: uuid.UUID, status: int = 1) -> bytes:
    """Deliberately not in our own canonical JSON: the signature covers these exact bytes."""
    payload = {
        "initiatorId": str(tenant_id),
        "type": 0,
        "data": {
            "status": status,
            "resources": [{"kind": "vpc", "id": "vpc-1"}],
            "appPlaneUrl": "https://acme.app.example",
        },
    }
    return json.dumps(payload, indent=1).encode()


def arc_headers(run: WebhookRun, body: bytes, *, skew: float = 0) -> dict[str, str]:
    stamp = int((time.time() + skew) * 1000)
    return {
        "content-type": "application/json",
        "x-timestamp": str(stamp),
        "x-signature": sign_arc(run.secret, body, run.context, stamp),
    }


def standard_headers(
    run: WebhookRun, body: bytes, *, message_id: str | None = None, skew: float = 0
) -> dict[str, str]:
    stamp = int(time.time() + skew)
    message_id = message_id or f"msg_{uuid.uuid4().hex}"
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign_standard(run.secret, message_id, stamp, body),
    }


@dataclass(frozen=True)
class Callback:
    """A callback for a new tenant's open run, its body signed as the run's sender signs it."""

    tenant_id: uuid.UUID
    run: WebhookRun
    body: bytes
    headers: dict[str, str]

    async def post(
        self, client: httpx.AsyncClient, path: str = "/webhooks/provisioning"
    ) -> httpx.Response:
        return await client.post(path, content=self.body, headers=self.headers)


NewCallback = Callable[[Sign], Awaitable[Callback]]


@pytest.fixture
def new_callback(open_run: OpenRun) -> NewCallback:
    """Open a run for a new tenant and sign its callback with `sign`."""

    async def make(sign: Sign) -> Callback:
        tenant_id, run = await open_run()
        body = callback_body(tenant_id)
        return Callback(tenant_id, run, body, sign(run, body))

    return make


@pytest.fixture
def token(settings: WebhookReceiverSettings) -> Callable[[str], str]:
    def make(role: str) -> str:
        return mint_token(settings, role=role, sub=f"test:{role}", ttl=timedelta(minutes=5))

    return make
