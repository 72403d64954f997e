"""A client's retry after the gateway's call to lead-verifier timed out does nothing twice.

The gateway, lead-verifier (behind a real uvicorn server) and the notifier run in this process
on the run's PostgreSQL, Redis and RabbitMQ; lead-verifier reaches PostgreSQL through a
`TcpProxy` that black-holes it, so the first attempt is still running when the gateway gives up,
and completes once PostgreSQL answers again: its outcome was unknown to the client.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from notifier.app import create_app as notifier_app
from notifier.settings import NotifierSettings
from service_kit_testing import SmtpSink, TcpProxy, TestInfra, migrate_service, started
from tenant_api.app import create_app as gateway_app
from tenant_api.settings import TenantApiSettings
from tests.e2e.polling import eventually
from tests.integration.proxied_lead_verifier import proxied_lead_verifier

SERVICES = Path(__file__).resolve().parents[2] / "services"
PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Stage:
    gateway: httpx.AsyncClient
    database: TcpProxy  # between lead-verifier and PostgreSQL
    database_url: str

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        engine = create_async_engine(self.database_url)
        try:
            async with engine.begin() as conn:
                return list((await conn.execute(text(sql), params)).all())
        finally:
            await engine.dispose()


@pytest.fixture
async def stage(infra: TestInfra, smtp_sink: SmtpSink) -> AsyncIterator[Stage]:
    for service in ("notifier", "tenant-api"):
        await migrate_service(SERVICES / service, infra)
    async with AsyncExitStack() as stack:
        verifier = await stack.enter_async_context(proxied_lead_verifier(infra))
        notifier = infra.settings(NotifierSettings, smtp_url=smtp_sink.url)
        await stack.enter_async_context(started(notifier_app(notifier)))
        settings = infra.settings(
            TenantApiSettings,
            lead_verifier_url=verifier.url,
            upstream_timeout=1.0,
            redis_key_prefix=infra.redis_prefix("retries"),
            public_api_max_attempts=10_000,
        )
        app = await stack.enter_async_context(started(gateway_app(settings)))
        transport = httpx.ASGITransport(app=app, client=("192.0.2.20", 5000))
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://gateway")
        )
        yield Stage(client, verifier.database, infra.database_url)


async def timed_out(stage: Stage, path: str, **request: Any) -> httpx.Response:
    """Send with PostgreSQL silent behind lead-verifier: the gateway gives up, the request
    stays in flight in lead-verifier; then PostgreSQL answers again."""
    stage.database.black_hole()
    try:
        answer = await stage.gateway.post(path, **request)
    finally:
        stage.database.let_through()
    assert answer.status_code == 504, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.headers["retry-after"] == "5"
    assert "Idempotency-Key" in answer.json()["detail"]
    return answer


async def test_a_sign_up_retried_after_a_timeout_makes_one_lead_and_one_e_mail(
    stage: Stage, smtp_sink: SmtpSink
) -> None:
    email = f"ada-{uuid.uuid4().hex[:8]}@engines.example"
    body = {"firstName": "Ada", "lastName": "Lovelace", "companyName": "AE", "email": email}
    key = {"Idempotency-Key": "sign-up-" + uuid.uuid4().hex}
    await timed_out(stage, "/leads", json=body, headers=key)

    async def first_lead() -> list[Any]:
        return await stage.rows("SELECT id FROM lead_verifier.leads WHERE email = :e", e=email)

    (done,) = await eventually(first_lead, what="the timed-out sign-up's lead")
    retried = await stage.gateway.post("/leads", json=body, headers=key)
    assert retried.status_code == 201, retried.text
    assert retried.json() == {"id": str(done.id)}, "the first attempt's lead"

    mail = await smtp_sink.wait_for(email)
    assert await first_lead() == [done]
    (created,) = await stage.rows(
        "SELECT count(*) AS n FROM lead_verifier.outbox WHERE event_type = 'lead.created'"
        " AND convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'email' = :e",
        e=email,
    )
    assert created.n == 1
    assert smtp_sink.to(email) == [mail]


async def test_a_verification_retried_after_a_timeout_answers_success(
    stage: Stage, smtp_sink: SmtpSink
) -> None:
    email = f"ada-{uuid.uuid4().hex[:8]}@engines.example"
    body = {"firstName": "Ada", "lastName": "Lovelace", "companyName": "AE", "email": email}
    signed_up = await stage.gateway.post("/leads", json=body)
    assert signed_up.status_code == 201, signed_up.text
    lead_id = signed_up.json()["id"]
    mail = await smtp_sink.wait_for(email)
    words = mail.get_body(preferencelist=("plain",)).get_content().split()
    code = parse_qs(urlsplit(next(w for w in words if "code=" in w)).query)["code"][0]
    path = f"/leads/{lead_id}/verify"
    headers = {"Authorization": f"Bearer {code}", "Idempotency-Key": "verify-" + uuid.uuid4().hex}
    await timed_out(stage, path, headers=headers)

    async def verified() -> list[Any]:
        return await stage.rows(
            "SELECT id FROM lead_verifier.leads WHERE id = :id AND status = 'VERIFIED'", id=lead_id
        )

    await eventually(verified, what="the timed-out verification's effect")
    retried = await stage.gateway.post(path, headers=headers)
    assert retried.status_code == 200, retried.text
    assert retried.json()["id"] == lead_id
    assert retried.json()["token"]
    (events,) = await stage.rows(
        "SELECT count(*) AS n FROM lead_verifier.outbox WHERE event_type = 'lead.verified'"
        " AND convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'lead_id' = :id",
        id=lead_id,
    )
    assert events.n == 1
    # Without the key, the used code is refused as it always was.
    unkeyed = await stage.gateway.post(path, headers={"Authorization": f"Bearer {code}"})
    assert unkeyed.status_code == 401, unkeyed.text
