"""The notifier under test: a real SMTP server it sends to, its settings, and a probe of its
tables and metrics. The events tests send are built in `events.py`."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from notifier.app import create_app
from notifier.settings import NotifierSettings
from service_kit_testing import Publish, TestInfra, service_fixtures

SERVICE_DIR = Path(__file__).resolve().parents[1]
migrated, app, client = service_fixtures(SERVICE_DIR, create_app, host="notifier")
OPS_EMAIL = "ops@operators.example"


class SmtpSink:
    """An aiosmtpd handler that keeps what it receives; it can refuse some with a 451.

    `refuse_next` refuses the next few messages whoever they are for; `refuse_to[address]`
    the next few for that recipient only.
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.refuse_next = 0
        self.refuse_to: dict[str, int] = {}
        self.refused: list[list[str]] = []
        self.port = 0

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(  # noqa: N802 - aiosmtpd calls it by this name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        rcpt_tos = list(envelope.rcpt_tos)
        targeted = [r for r in rcpt_tos if self.refuse_to.get(r, 0) > 0]
        if self.refuse_next > 0 or targeted:
            if targeted:
                for r in targeted:
                    self.refuse_to[r] -= 1
            else:
                self.refuse_next -= 1
            self.refused.append(rcpt_tos)
            return "451 4.3.0 Try again later"
        content = cast(bytes, envelope.content)
        self.messages.append(cast(EmailMessage, message_from_bytes(content, policy=policy.default)))
        self.recipients.append(rcpt_tos)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages accepted for `address`, in order."""
        return [m for m, r in zip(self.messages, self.recipients, strict=True) if address in r]

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
async def smtp(request: pytest.FixtureRequest) -> AsyncIterator[SmtpSink]:
    """A real SMTP server in this process, on a free port of 127.0.0.1.

    It offers SMTPUTF8 only to a test that asks, with `indirect` parametrization to True.
    """
    smtputf8 = bool(getattr(request, "param", False))
    sink = SmtpSink()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(sink, hostname="smtp.test", loop=loop, enable_SMTPUTF8=smtputf8),
        "127.0.0.1",
        0,
    )
    sink.port = server.sockets[0].getsockname()[1]
    yield sink
    server.close()
    await server.wait_closed()


@pytest.fixture
def send(app: FastAPI, publish: Publish) -> Publish:
    """Publish an event, as its producer would, to the notifier the test has started."""
    return publish


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port that refuses connections: bound (so nobody else takes it) but not listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def settings(infra: TestInfra, smtp: SmtpSink, tmp_path: Path) -> NotifierSettings:
    return cast(
        NotifierSettings,
        infra.settings(
            NotifierSettings,
            smtp_url=smtp.url,
            mail_dir=str(tmp_path / "mail"),
            ops_email=OPS_EMAIL,
        ),
    )


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

    async def notification(
        self, event_id: uuid.UUID, status: str, timeout: float = 10.0, *, kind: str | None = None
    ) -> Any:
        """The event's one notification row (of `kind`), once it has `status`.

        Rows commit after the send, so this waits for them.
        """
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            rows = [r for r in await self.notifications(event_id) if kind is None or r.kind == kind]
            assert len(rows) <= 1, rows
            if rows and rows[0].status == status:
                return rows[0]
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no {status} notification for {event_id} in {timeout}s")
            await asyncio.sleep(0.02)

    @staticmethod
    def consumed(outcome: str, event_type: str = "lead.created") -> float:
        """Deliveries of `event_type` the `emails` consumer handled with this outcome, so far."""
        labels = {"consumer": "emails", "type": event_type, "outcome": outcome}
        return REGISTRY.get_sample_value("events_consumed_total", labels) or 0.0

    until = staticmethod(wait_until)

    async def close(self) -> None:
        await self._engine.dispose()


@pytest.fixture
async def probe(infra: TestInfra, migrated: None) -> AsyncIterator[Probe]:
    p = Probe(infra.database_url)
    yield p
    await p.close()
