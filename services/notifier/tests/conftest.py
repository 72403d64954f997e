from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from notifier.app import create_app
from notifier.settings import NotifierSettings
from service_kit.migrations import upgrade
from service_kit.testing import TestInfra
from shared_schemas.events import LeadCreated, LeadCreatedData

SERVICE_DIR = Path(__file__).resolve().parents[1]


class SmtpSink:
    """An aiosmtpd handler that keeps what it receives; it can refuse the next few with a 451."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.refuse_next = 0
        self.port = 0

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(  # noqa: N802 - aiosmtpd calls it by this name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return "451 4.3.0 Try again later"
        content = cast(bytes, envelope.content)
        self.messages.append(cast(EmailMessage, message_from_bytes(content, policy=policy.default)))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"

    async def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        await wait_until(lambda: len(self.messages) >= count, timeout, f"{count} e-mail(s)")
        return self.messages


async def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpSink]:
    """A real SMTP server in this process, on a free port of 127.0.0.1."""
    sink = SmtpSink()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(sink, hostname="smtp.test", loop=loop), "127.0.0.1", 0
    )
    sink.port = server.sockets[0].getsockname()[1]
    yield sink
    server.close()
    await server.wait_closed()


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port that refuses connections: bound (so nobody else takes it) but not listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture(scope="session")
async def migrated(infra: TestInfra) -> None:
    await asyncio.to_thread(upgrade, SERVICE_DIR, infra.database_url)


@pytest.fixture
def settings(infra: TestInfra, smtp: SmtpSink, tmp_path: Path) -> NotifierSettings:
    return cast(
        NotifierSettings,
        infra.settings(NotifierSettings, smtp_url=smtp.url, mail_dir=str(tmp_path / "mail")),
    )


@pytest.fixture
async def app(settings: NotifierSettings, migrated: None) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://notifier") as c:
        yield c


def make_lead_created(**data: Any) -> LeadCreated:
    lead_id = uuid.uuid4()
    suffix = uuid.uuid4().hex[:8]
    values: dict[str, Any] = {
        "lead_id": lead_id,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "company_name": "Analytical Engines",
        "email": f"ada-{suffix}@engines.example",
        "verification_url": f"https://app.example/validate?id={lead_id}&code=secret-{suffix}",
        "code_expires_at": datetime.now(UTC) + timedelta(hours=1),
    }
    values.update(data)
    return LeadCreated.build(
        LeadCreatedData(**values), producer="lead-verifier", correlation_id=lead_id
    )


@pytest.fixture
def lead_created() -> Callable[..., LeadCreated]:
    return make_lead_created


class Probe:
    """Looks at what the notifier did: its tables, its consumer metrics; waits for conditions."""

    def __init__(self, database_url: str) -> None:
        self._engine = create_async_engine(database_url)

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self._engine.begin() as conn:
            return list((await conn.execute(text(sql), params)).all())

    async def notifications(self, event_id: uuid.UUID) -> list[Any]:
        return await self.rows(
            "SELECT * FROM notifier.notifications WHERE event_id = :id", id=event_id
        )

    async def notification(self, event_id: uuid.UUID, status: str, timeout: float = 10.0) -> Any:
        """The event's one notification row, once it has `status` (rows commit after the send)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            rows = await self.notifications(event_id)
            assert len(rows) <= 1, rows
            if rows and rows[0].status == status:
                return rows[0]
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no {status} notification for {event_id} in {timeout}s")
            await asyncio.sleep(0.02)

    @staticmethod
    def consumed(outcome: str) -> float:
        """lead.created deliveries the `emails` consumer handled with this outcome, so far."""
        labels = {"consumer": "emails", "type": "lead.created", "outcome": outcome}
        return REGISTRY.get_sample_value("events_consumed_total", labels) or 0.0

    until = staticmethod(wait_until)

    async def close(self) -> None:
        await self._engine.dispose()


@pytest.fixture
async def probe(infra: TestInfra, migrated: None) -> AsyncIterator[Probe]:
    p = Probe(infra.database_url)
    yield p
    await p.close()
