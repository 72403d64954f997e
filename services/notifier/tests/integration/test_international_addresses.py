"""Internationalised addresses over real SMTP (aiosmtpd), with and without SMTPUTF8.

The domain goes as IDNA A-labels to any server; a non-ASCII local part only to a server that
offers SMTPUTF8, and to one that does not it fails once, recorded, and is dead-lettered.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP

import service_kit_testing as kit
from notifier.app import create_app
from notifier.settings import NotifierSettings
from service_kit.topology import dlq_name
from shared_schemas.events import LeadCreated

from ..conftest import OPS_EMAIL, SmtpSink  # type: ignore[import-not-found]


async def _serve(smtputf8: bool) -> AsyncIterator[SmtpSink]:
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
async def smtp_utf8() -> AsyncIterator[SmtpSink]:
    """A real SMTP server that offers SMTPUTF8."""
    async for sink in _serve(smtputf8=True):
        yield sink


def _settings(infra: kit.TestInfra, sink: SmtpSink, tmp_path: Path) -> NotifierSettings:
    settings: NotifierSettings = infra.settings(
        NotifierSettings, smtp_url=sink.url, mail_dir=str(tmp_path / "mail"), ops_email=OPS_EMAIL
    )
    return settings


async def _mail(
    infra: kit.TestInfra, settings: NotifierSettings, event: LeadCreated, until: Any
) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await kit.publish_raw(infra, event.type, event.model_dump_json().encode())
        await until()


async def test_an_idn_domain_goes_as_a_labels_to_a_server_without_smtputf8(
    infra: kit.TestInfra,
    migrated: None,
    smtp: SmtpSink,
    probe: Any,
    tmp_path: Path,
    lead_created: Callable[..., LeadCreated],
    opened_link: Callable[[LeadCreated], str],
) -> None:
    event = lead_created(email="user@bücher.example", first_name="Jürgen")

    await _mail(infra, _settings(infra, smtp, tmp_path), event, lambda: smtp.wait_for(1))

    assert smtp.recipients == [["user@xn--bcher-kva.example"]]
    (message,) = smtp.messages
    assert message["To"].addresses[0].addr_spec == "user@xn--bcher-kva.example"
    assert message["To"].addresses[0].display_name == "Jürgen Lovelace"
    assert opened_link(event) in message.get_body(("plain",)).get_content()
    row = await probe.notification(event.id, "SENT")
    assert row.recipient == "user@bücher.example"


async def test_a_non_ascii_local_part_goes_with_smtputf8_where_the_server_offers_it(
    infra: kit.TestInfra,
    migrated: None,
    smtp_utf8: SmtpSink,
    probe: Any,
    tmp_path: Path,
    lead_created: Callable[..., LeadCreated],
    opened_link: Callable[[LeadCreated], str],
) -> None:
    event = lead_created(email="müller@bücher.example", first_name="Jürgen")

    await _mail(infra, _settings(infra, smtp_utf8, tmp_path), event, lambda: smtp_utf8.wait_for(1))

    assert smtp_utf8.recipients == [["müller@xn--bcher-kva.example"]]
    (message,) = smtp_utf8.messages
    raw_to = str(message["To"]).encode("utf-8", "surrogateescape").decode()
    assert raw_to == "Jürgen Lovelace <müller@xn--bcher-kva.example>"
    assert opened_link(event) in message.get_body(("plain",)).get_content()
    row = await probe.notification(event.id, "SENT")
    assert (row.attempts, row.last_error) == (1, None)


async def test_a_non_ascii_local_part_fails_once_clearly_without_smtputf8(
    infra: kit.TestInfra,
    migrated: None,
    smtp: SmtpSink,
    probe: Any,
    tmp_path: Path,
    lead_created: Callable[..., LeadCreated],
) -> None:
    settings = _settings(infra, smtp, tmp_path)
    event = lead_created(email="müller@bücher.example")
    retried = probe.consumed("retried")
    dead: list[Any] = []

    async def parked() -> None:
        dead.extend(await kit.wait_for_queue_messages(infra, dlq_name(settings), timeout=10))

    await _mail(infra, settings, event, parked)

    (message,) = dead
    assert message.headers["x-reason"] == "undeliverable_address"
    assert "needs SMTPUTF8" in message.headers["x-error"]
    assert "x-attempt" not in message.headers, "not retried: it can never succeed here"
    assert json.loads(message.body)["id"] == str(event.id)
    assert probe.consumed("retried") == retried
    assert smtp.messages == []
    row = await probe.notification(event.id, "FAILED")
    assert (row.attempts, row.recipient) == (1, "müller@bücher.example")
    assert "needs SMTPUTF8" in row.last_error
