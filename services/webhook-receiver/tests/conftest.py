from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from service_kit.testing import TestInfra, asgi_client, migrate_service, started
from service_kit.tokens import mint_token
from service_kit.webhooks import WebhookRun, new_run, sign_arc, sign_standard, store_run
from webhook_receiver.app import create_app
from webhook_receiver.settings import WebhookReceiverSettings

SERVICE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
async def migrated(infra: TestInfra) -> None:
    await migrate_service(SERVICE_DIR, infra)


@pytest.fixture
def settings(infra: TestInfra) -> WebhookReceiverSettings:
    return infra.settings(WebhookReceiverSettings)


@pytest.fixture
async def app(settings: WebhookReceiverSettings, migrated: None) -> AsyncIterator[FastAPI]:
    async with started(create_app(settings)) as application:
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app, "webhooks") as c:
        yield c


@pytest.fixture
async def redis(infra: TestInfra) -> AsyncIterator[Redis]:
    client = Redis.from_url(infra.redis_url, decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
def open_run(
    redis: Redis, settings: WebhookReceiverSettings
) -> Callable[[], Awaitable[tuple[uuid.UUID, WebhookRun]]]:
    """Store a run for a new tenant, as the provisioner does before triggering a pipeline."""

    async def make() -> tuple[uuid.UUID, WebhookRun]:
        tenant_id = uuid.uuid4()
        run = new_run(uuid.uuid4())
        await store_run(redis, settings.redis_key_prefix, tenant_id, run, 600)
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


@pytest.fixture
def token(settings: WebhookReceiverSettings) -> Callable[[str], str]:
    def make(role: str) -> str:
        return mint_token(settings, role=role, sub=f"test:{role}", ttl=timedelta(minutes=5))

    return make


@pytest.fixture
def sql(settings: WebhookReceiverSettings) -> Callable[..., Awaitable[list[Any]]]:
    async def run(statement: str, **params: Any) -> list[Any]:
        engine = create_async_engine(settings.database_url)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(statement), params)
                return list(result.all()) if result.returns_rows else []
        finally:
            await engine.dispose()

    return run
