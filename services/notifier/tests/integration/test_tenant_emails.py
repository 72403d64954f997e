"""Welcome, provisioning-failure and offboarding e-mails through the real app, broker and SMTP."""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

import service_kit_testing as kit
from notifier.domain.notifications import NotificationKind, message_id
from notifier.settings import NotifierSettings
from service_kit.topology import dlq_name
from shared_schemas import Envelope

from ..events import provisioning_failed, tenant_activated, tenant_offboarded  # type: ignore[import-not-found]

CONTACT_KIND = NotificationKind.PROVISIONING_FAILED_CONTACT.value
OPS_KIND = NotificationKind.PROVISIONING_FAILED_OPS.value


def parts(message: Any) -> tuple[str, str]:
    """The plain text and the HTML (unescaped) of a message."""
    text = message.get_body(("plain",)).get_content()
    rich = message.get_body(("html",)).get_content()
    return text, html.unescape(rich)


async def inbox_rows(probe: Any, event: Envelope) -> list[Any]:
    return await probe.rows("SELECT * FROM notifier.inbox WHERE event_id = :id", id=event.id)


async def handled_once(probe: Any, event: Envelope) -> None:
    """The event's one inbox row. It commits with the handler's transaction, after the
    notifications it sent were each recorded SENT on their own: wait for it, then count."""
    deadline = asyncio.get_running_loop().time() + 10
    while not (rows := await inbox_rows(probe, event)):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no inbox row for {event.id} in 10s")
        await asyncio.sleep(0.02)
    assert len(rows) == 1


async def test_welcome_email_names_the_tenant_and_links_to_its_app(
    send: kit.Publish, smtp: Any, probe: Any
) -> None:
    event = tenant_activated(name="Compiler Works", app_url="https://compiler.app.example/home")
    contact = event.data.contact
    await send(event)
    (message,) = await smtp.wait_for(1)
    assert smtp.recipients == [[contact.email]]
    assert message["To"].addresses[0].display_name == "Grace Hopper"
    assert message["Subject"] == "Welcome aboard: Compiler Works is ready"
    expected_id = message_id(event.id, NotificationKind.TENANT_WELCOME, "controlplane.local")
    assert message["Message-ID"] == expected_id
    for part in parts(message):
        assert "Hello Grace," in part
        assert "Compiler Works" in part
        assert event.data.key in part
        assert "https://compiler.app.example/home" in part

    row = await probe.notification(event.id, "SENT")
    assert (row.kind, row.recipient, row.attempts) == ("tenant_welcome", contact.email, 1)


async def test_welcome_without_an_app_url_links_to_app_base_url_and_key(
    send: kit.Publish, settings: NotifierSettings, smtp: Any
) -> None:
    event = tenant_activated(app_url=None)
    await send(event)
    (message,) = await smtp.wait_for(1)
    assert settings.app_base_url == "http://localhost:3000"
    text, rich = parts(message)
    assert f"\nhttp://localhost:3000/{event.data.key}\r\n" in text
    assert f'href="http://localhost:3000/{event.data.key}"' in rich


async def test_provisioning_failed_tells_the_contact_and_the_operators_once_each(
    send: kit.Publish, settings: NotifierSettings, smtp: Any, probe: Any
) -> None:
    event = provisioning_failed(step="database", reason="schema tenant_acme: permission denied")
    data = event.data
    await send(event)
    await smtp.wait_for(2)
    (notice,) = smtp.to(data.contact.email)
    (alert,) = smtp.to(settings.ops_email)
    assert len(smtp.messages) == 2

    assert notice["Subject"] == "We are sorry: setting up your tenant did not complete"
    for part in parts(notice):
        assert "Hello Grace," in part
        assert "working on it" in part
        assert "permission denied" not in part
        assert "database" not in part
        assert str(data.pipeline_id) not in part

    assert alert["To"].addresses[0].addr_spec == "ops@operators.example"
    assert str(data.tenant_id) in alert["Subject"]
    assert "step database" in alert["Subject"]
    for part in parts(alert):
        for fact in (data.tenant_id, data.pipeline_id, "database", data.reason, data.contact.email):
            assert str(fact) in part

    contact_row = await probe.notification(event.id, "SENT", kind=CONTACT_KIND)
    ops_row = await probe.notification(event.id, "SENT", kind=OPS_KIND)
    assert (contact_row.recipient, contact_row.attempts) == (data.contact.email, 1)
    assert (ops_row.recipient, ops_row.attempts) == ("ops@operators.example", 1)
    assert contact_row.message_id != ops_row.message_id
    await handled_once(probe, event)


async def test_offboarding_notice_reaches_the_contact(
    send: kit.Publish, smtp: Any, probe: Any
) -> None:
    event = tenant_offboarded()
    await send(event)
    (message,) = await smtp.wait_for(1)
    assert smtp.recipients == [[event.data.contact.email]]
    assert message["Subject"] == f"Your tenant {event.data.key} has been offboarded"
    text, rich = parts(message)
    for part in (text, rich):
        assert "Hello Grace," in part
        assert "no longer available" in part
    assert f"your tenant {event.data.key} has been offboarded" in text
    assert f"<code>{event.data.key}</code> has been offboarded" in rich

    row = await probe.notification(event.id, "SENT")
    assert (row.kind, row.attempts) == ("tenant_offboarded", 1)


async def test_offboarding_notice_tells_where_the_export_is(send: kit.Publish, smtp: Any) -> None:
    folder = "/srv/exports/acme-1f0e/5a7c"
    event = tenant_offboarded(export_location=f"file://{folder}")
    await send(event)
    (message,) = await smtp.wait_for(1)
    for part in parts(message):
        assert "A copy of your data was exported" in part
        assert folder in part  # the path, for a file:// export
        assert "file://" not in part


@pytest.mark.parametrize(
    ("factory", "emails"),
    [(tenant_activated, 1), (provisioning_failed, 2), (tenant_offboarded, 1)],
    ids=lambda value: getattr(value, "__name__", None),
)
async def test_the_same_event_twice_sends_each_email_once(
    send: kit.Publish,
    smtp: Any,
    probe: Any,
    factory: Callable[[], Envelope],
    emails: int,
) -> None:
    event = factory()
    duplicates = probe.consumed("duplicate", event.type)
    await send(event)
    await send(event)
    await probe.until(
        lambda: probe.consumed("duplicate", event.type) == duplicates + 1, 10, "the duplicate"
    )
    assert len(smtp.messages) == emails
    assert len({tuple(r) for r in smtp.recipients}) == emails, "one e-mail per recipient"
    rows = await probe.notifications(event.id)
    assert len(rows) == emails
    assert all((r.status, r.attempts) == ("SENT", 1) for r in rows)
    await handled_once(probe, event)


@pytest.mark.parametrize("refused", ["ops", "contact"])
async def test_one_refused_email_is_retried_without_resending_the_other(
    send: kit.Publish, settings: NotifierSettings, smtp: Any, probe: Any, refused: str
) -> None:
    event = provisioning_failed()
    contact, ops = event.data.contact.email, settings.ops_email
    smtp.refuse_to[ops if refused == "ops" else contact] = 1
    retried = probe.consumed("retried", event.type)
    await send(event)

    contact_row = await probe.notification(event.id, "SENT", kind=CONTACT_KIND)
    ops_row = await probe.notification(event.id, "SENT", kind=OPS_KIND)
    await probe.until(lambda: len(smtp.messages) == 2, 10, "both e-mails")
    assert len(smtp.to(contact)) == 1
    assert len(smtp.to(ops)) == 1
    if refused == "ops":
        # The contact's notice went first; the alert, second, was refused once.
        assert smtp.recipients[0] == [contact]
        assert smtp.refused == [[ops]]
        assert (contact_row.attempts, contact_row.last_error) == (1, None)
        assert ops_row.attempts == 2
        assert "451" in ops_row.last_error
    else:
        assert smtp.refused == [[contact]]
        assert contact_row.attempts == 2
        assert "451" in contact_row.last_error
        assert (ops_row.attempts, ops_row.last_error) == (1, None)
    assert probe.consumed("retried", event.type) == retried + 1
    await handled_once(probe, event)


async def test_a_dead_lettered_alert_replayed_later_sends_only_what_is_missing(
    app: FastAPI, settings: NotifierSettings, infra: kit.TestInfra, smtp: Any, probe: Any
) -> None:
    event = provisioning_failed()
    contact, ops = event.data.contact.email, settings.ops_email
    smtp.refuse_to[ops] = 1 + len(settings.retry_delays)  # every attempt
    await kit.publish_event(infra, event)
    dead = await kit.wait_for_queue_messages(infra, dlq_name(settings), timeout=10)
    (letter,) = [m for m in dead if json.loads(m.body)["id"] == str(event.id)]
    assert letter.headers["x-reason"] == "retries_exhausted"
    failed = await probe.notification(event.id, "FAILED", kind=OPS_KIND)
    assert failed.attempts == 3
    assert await inbox_rows(probe, event) == []

    # What an operator's replay does: the same bytes, back under the original routing key.
    await kit.publish_raw(infra, letter.headers["x-original-routing-key"], letter.body)
    ops_row = await probe.notification(event.id, "SENT", kind=OPS_KIND)
    assert ops_row.attempts == 4
    assert len(smtp.to(ops)) == 1
    assert len(smtp.to(contact)) == 1, "the contact's notice was not sent again"
    contact_row = await probe.notification(event.id, "SENT", kind=CONTACT_KIND)
    assert contact_row.attempts == 1
    await handled_once(probe, event)
