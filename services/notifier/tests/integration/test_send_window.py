"""What an e-mail promises: at least once, with a stable Message-ID, and the window kept small.

A crash is simulated where it hurts, with a one-shot PostgreSQL trigger that fails exactly one
commit: the handler's (after the server accepted, as kill -9 would leave it) or the one that
marks the e-mail SENT. The SMTP server is a real aiosmtpd; the app consumes from the real broker.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

import service_kit_testing as kit
from notifier.domain.notifications import NotificationKind, message_id
from shared_schemas import Envelope

from ..events import tenant_activated  # type: ignore[import-not-found]

FailOnce = Callable[[str, str, str], Awaitable[None]]


@pytest.fixture
async def fail_once(infra: kit.TestInfra, migrated: None) -> AsyncIterator[FailOnce]:
    """`fail_once(table, when, condition)`: the first row of `table` matching `condition`
    fails its transaction (`when`: a trigger's timing and events, `AT COMMIT` to defer it).
    A sequence counts, as it is not rolled back with the failed transaction."""
    made: list[str] = []
    engine = create_async_engine(infra.database_url)

    async def run(statement: str) -> None:
        async with engine.begin() as conn:
            await conn.execute(text(statement))

    async def install(table: str, when: str, condition: str) -> None:
        name = "fail_once_" + uuid.uuid4().hex[:8]
        made.append(name)
        await run(f"CREATE SEQUENCE notifier.{name}")
        await run(
            f"CREATE FUNCTION notifier.{name}() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN IF {condition} AND nextval('notifier.{name}') = 1 THEN"
            f" RAISE EXCEPTION 'simulated crash'; END IF; RETURN NEW; END $$"
        )
        # A deferred (constraint) trigger runs at COMMIT: the transaction's work is all done.
        at_commit = when.endswith(" AT COMMIT")
        kind, timing = ("CONSTRAINT ", when.removesuffix(" AT COMMIT")) if at_commit else ("", when)
        deferred = " DEFERRABLE INITIALLY DEFERRED" if at_commit else ""
        await run(
            f"CREATE {kind}TRIGGER {name} {timing} ON notifier.{table}{deferred}"
            f" FOR EACH ROW EXECUTE FUNCTION notifier.{name}()"
        )

    yield install
    for name in made:
        await run(f"DROP FUNCTION notifier.{name}() CASCADE")
        await run(f"DROP SEQUENCE notifier.{name}")
    await engine.dispose()


async def handled(probe: Any, event: Envelope) -> None:
    """The event's delivery has committed (its inbox row is there)."""
    for _ in range(500):
        if await probe.rows("SELECT 1 FROM notifier.inbox WHERE event_id = :id", id=event.id):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{event.type} {event.id} was never handled")


async def test_a_redelivery_after_sent_sends_nothing(
    send: kit.Publish, smtp: Any, probe: Any, fail_once: FailOnce
) -> None:
    event = tenant_activated()
    # The handler's transaction (its inbox row) fails at COMMIT, after the server accepted the
    # e-mail: as a kill -9 there would, the event is delivered again.
    await fail_once("inbox", "AFTER INSERT AT COMMIT", f"NEW.event_id = '{event.id}'")
    await send(event)

    await handled(probe, event)

    (message,) = smtp.to(event.data.contact.email)
    assert message["Message-ID"] == message_id(
        event.id, NotificationKind.TENANT_WELCOME, "controlplane.local"
    )
    row = await probe.notification(event.id, "SENT")
    assert (row.attempts, row.message_id) == (1, message["Message-ID"])


async def test_a_crash_before_sent_is_recorded_sends_one_copy_with_the_same_message_id(
    send: kit.Publish, smtp: Any, probe: Any, fail_once: FailOnce
) -> None:
    event = tenant_activated()
    # The server accepted; recording SENT fails. The attempt was on record (SENDING) before
    # the server was spoken to, so the retry knows it is the second attempt.
    await fail_once(
        "notifications",
        "BEFORE INSERT OR UPDATE",
        f"NEW.event_id = '{event.id}' AND NEW.status = 'SENT'",
    )
    await send(event)

    await handled(probe, event)

    first, copy = smtp.to(event.data.contact.email)
    expected = message_id(event.id, NotificationKind.TENANT_WELCOME, "controlplane.local")
    assert first["Message-ID"] == copy["Message-ID"] == expected
    assert first.get_body(("plain",)).get_content() == copy.get_body(("plain",)).get_content()
    row = await probe.notification(event.id, "SENT")
    assert (row.attempts, row.message_id, row.last_error) == (2, expected, None)
    # Redelivered once more (a publisher's duplicate): nothing more goes out.
    duplicates = probe.consumed("duplicate", event.type)
    await send(event)
    await probe.until(
        lambda: probe.consumed("duplicate", event.type) > duplicates, 10, "the duplicate"
    )
    assert len(smtp.to(event.data.contact.email)) == 2
