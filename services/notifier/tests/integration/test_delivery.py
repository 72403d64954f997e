"""E-mails for lead.created through the real app, PostgreSQL, RabbitMQ and an SMTP server."""

from __future__ import annotations

import asyncio
import html
from email import message_from_bytes, policy
from typing import Any

import httpx

import service_kit_testing as kit
from notifier.adapters.mailer import eml_filename, mailer_from_settings
from notifier.adapters.unit_of_work import NotificationsUnitOfWork
from notifier.app import create_app
from notifier.consumers import build_consumers
from notifier.domain.notifications import NotificationKind, message_id
from notifier.settings import NotifierSettings
from service_kit.consumer import ConsumerRunner
from service_kit.outbox import notify_channel
from service_kit.runtime import kit_runtime
from shared_schemas import Envelope

from ..events import lead_created, opened_link  # type: ignore[import-not-found]

LEAD_VERIFICATION = NotificationKind.LEAD_VERIFICATION


def parts(message: Any) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    rich = message.get_body(("html",)).get_content()
    return text, rich


async def test_verification_email_arrives_with_the_link_in_both_parts(
    send: kit.Publish, smtp: Any, probe: Any
) -> None:
    event = lead_created(first_name="Ada", company_name="Analytical Engines")
    await send(event)
    (message,) = await smtp.wait_for(1)
    text, rich = parts(message)
    url = opened_link(event)
    assert url in text
    assert url in html.unescape(rich)
    assert "Hello Ada," in text
    assert message.get_content_type() == "multipart/alternative"
    assert message["Message-ID"] == message_id(event.id, LEAD_VERIFICATION, "controlplane.local")
    assert smtp.recipients == [[event.data.email]]

    row = await probe.notification(event.id, "SENT")
    assert (row.transport, row.attempts, row.kind) == ("smtp", 1, "lead_verification")
    assert row.recipient == event.data.email
    assert row.sent_at is not None
    assert row.last_error is None


async def test_the_same_event_twice_sends_one_email_and_keeps_one_row(
    send: kit.Publish, smtp: Any, probe: Any
) -> None:
    event = lead_created()
    duplicates = probe.consumed("duplicate")
    await send(event)
    await send(event)
    await probe.until(lambda: probe.consumed("duplicate") == duplicates + 1, 10, "the duplicate")
    assert len(smtp.messages) == 1
    assert len(await probe.notifications(event.id)) == 1
    inbox = await probe.rows("SELECT * FROM notifier.inbox WHERE event_id = :id", id=event.id)
    assert len(inbox) == 1


async def test_a_crash_between_commit_and_ack_is_redelivered_and_sends_once(
    settings: NotifierSettings, migrated: None, infra: kit.TestInfra, smtp: Any, probe: Any
) -> None:
    committed, died = asyncio.Event(), asyncio.Event()

    async def freeze(_: Envelope) -> None:
        # The process stops here: committed, not acked. Only its dying connection ends this.
        committed.set()
        try:
            await asyncio.Event().wait()
        finally:
            died.set()

    doomed = kit_runtime(settings, run_relay=False)
    await doomed.start()

    def uow() -> NotificationsUnitOfWork:
        return NotificationsUnitOfWork(doomed.sessions, notify_channel(settings.db_schema))

    (consumer,) = build_consumers(settings, mailer_from_settings(settings), uow)
    runner = ConsumerRunner(consumer, doomed.broker, uow, after_commit=freeze)
    await runner.start()
    event = lead_created()
    await kit.publish_event(infra, event)
    await asyncio.wait_for(committed.wait(), 10)
    assert len(await smtp.wait_for(1)) == 1
    assert len(await probe.notifications(event.id)) == 1
    await doomed.stop()  # its connection closes with the delivery unacknowledged
    await asyncio.wait_for(died.wait(), 5)

    duplicates = probe.consumed("duplicate")
    survivor = create_app(settings)
    async with survivor.router.lifespan_context(survivor):
        await probe.until(
            lambda: probe.consumed("duplicate") == duplicates + 1, 10, "the redelivery"
        )
    assert len(smtp.messages) == 1
    inbox = await probe.rows("SELECT * FROM notifier.inbox WHERE event_id = :id", id=event.id)
    assert [r.consumer for r in inbox] == ["emails"]
    (row,) = await probe.notifications(event.id)
    assert (row.status, row.attempts) == ("SENT", 1)


async def test_without_smtp_url_the_mail_folder_and_dev_mailbox_show_it(
    infra: kit.TestInfra, migrated: None, tmp_path: Any, probe: Any
) -> None:
    settings = infra.settings(NotifierSettings, mail_dir=str(tmp_path / "mail"))
    assert settings.smtp_url is None
    event = lead_created()
    processed = probe.consumed("processed")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await kit.publish_event(infra, event)
        await probe.until(lambda: probe.consumed("processed") > processed, 10, "the e-mail")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notifier") as client:
            response = await client.get("/dev/mailbox", params={"limit": 5})
    assert response.status_code == 200
    entry = next(e for e in response.json() if e["event_id"] == str(event.id))
    assert entry["transport"] == "maildir"
    assert entry["status"] == "SENT"
    assert entry["recipient"] == event.data.email
    eml = (
        tmp_path
        / "mail"
        / eml_filename(message_id(event.id, LEAD_VERIFICATION, "controlplane.local"))
    )
    assert entry["path"] == str(eml)
    text, _ = parts(message_from_bytes(eml.read_bytes(), policy=policy.default))
    assert opened_link(event) in text
    code = opened_link(event).rpartition("code=")[2]
    assert code not in response.text, "the mailbox must never show the link or its code"
