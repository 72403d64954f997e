"""Poison messages and SMTP failures: dead letters with a reason, retries with delay."""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import FastAPI

import service_kit_testing as kit
from notifier.app import create_app
from notifier.settings import NotifierSettings
from service_kit.topology import dlq_name

from ..events import lead_created, opened_link  # type: ignore[import-not-found]


async def test_poison_goes_to_the_dlq_at_once_and_does_not_block_the_next_message(
    app: FastAPI, settings: NotifierSettings, infra: kit.TestInfra, smtp: Any, probe: Any
) -> None:
    future = {**lead_created().model_dump(mode="json"), "version": 99}
    await kit.publish_raw(infra, "lead.created", b'{"id": "not json')
    await kit.publish_raw(infra, "lead.created", json.dumps(future).encode())
    valid = lead_created()
    await kit.publish_event(infra, valid)

    dead = await kit.wait_for_queue_messages(infra, dlq_name(settings), count=2)
    by_reason = {m.headers["x-reason"]: m for m in dead}
    assert set(by_reason) == {"malformed", "unknown_type_or_version"}
    assert by_reason["malformed"].body == b'{"id": "not json'
    assert json.loads(by_reason["unknown_type_or_version"].body)["version"] == 99
    assert "lead.created@v99" in by_reason["unknown_type_or_version"].headers["x-error"]
    for message in dead:
        assert message.headers["x-original-routing-key"] == "lead.created"
        assert message.headers["x-service"] == "notifier"

    (message,) = await smtp.wait_for(1)
    assert message["To"].addresses[0].addr_spec == valid.data.email


async def test_smtp_down_retries_with_delay_then_dead_letters(
    infra: kit.TestInfra, migrated: None, closed_port: int, probe: Any
) -> None:
    settings = infra.settings(NotifierSettings, smtp_url=f"smtp://127.0.0.1:{closed_port}")
    assert settings.retry_delays == [0.2, 0.5]
    event = lead_created()
    retried = probe.consumed("retried")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        started = time.monotonic()
        await kit.publish_event(infra, event)
        (dead,) = await kit.wait_for_queue_messages(infra, dlq_name(settings), timeout=10)
        elapsed = time.monotonic() - started
    assert probe.consumed("retried") == retried + 2
    assert elapsed >= sum(settings.retry_delays), "each retry waits out its tier's delay"
    assert dead.headers["x-reason"] == "retries_exhausted"
    assert dead.headers["x-attempt"] == 2
    assert "SMTPConnect" in dead.headers["x-error"]
    assert dead.headers["x-original-routing-key"] == "lead.created"
    assert json.loads(dead.body)["id"] == str(event.id)

    (row,) = await probe.notifications(event.id)
    assert (row.status, row.attempts, row.sent_at) == ("FAILED", 3, None)
    assert "SMTPConnect" in row.last_error
    inbox = await probe.rows("SELECT 1 FROM notifier.inbox WHERE event_id = :id", id=event.id)
    assert inbox == [], "a failed delivery must not be remembered as processed"


async def test_a_transient_smtp_refusal_is_retried_and_delivered_once(
    send: kit.Publish, smtp: Any, probe: Any
) -> None:
    smtp.refuse_next = 1
    event = lead_created()
    retried = probe.consumed("retried")
    await send(event)
    (message,) = await smtp.wait_for(1)
    assert opened_link(event) in message.get_body(("plain",)).get_content()

    assert probe.consumed("retried") == retried + 1
    row = await probe.notification(event.id, "SENT")
    assert row.attempts == 2
    assert "451" in row.last_error
    assert len(smtp.messages) == 1
