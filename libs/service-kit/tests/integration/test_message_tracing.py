"""Trace context through the outbox, the relay, the broker and the consumer runner (real ones)."""

from __future__ import annotations

import uuid
from typing import Any

import aio_pika
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

from service_kit import tracing
from service_kit.broker import Broker
from service_kit.consumer import Consumer
from service_kit.relay import OutboxRelay
from service_kit.topology import declare_exchange
from service_kit_testing import TestInfra, publish_raw
from shared_schemas import Envelope
from shared_schemas.events import TenantReactivated, TenantRef, TenantSuspended

from .consumers import RunConsumer  # type: ignore[import-not-found]
from .tenant_events import reactivated  # type: ignore[import-not-found]

KEY = TenantReactivated.TYPE
ONWARD = TenantSuspended.TYPE
TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_ID = "b7ad6b7169203331"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"


def onward_of(event: Envelope) -> TenantSuspended:
    assert event.tenant_id is not None
    return TenantSuspended.build(
        TenantRef(tenant_id=event.tenant_id, reason="traced"),
        producer="kit-test",
        correlation_id=event.correlation_id,
        tenant_id=event.tenant_id,
        causation=event,
    )


def traceparent_of(span: ReadableSpan) -> str:
    ctx = span.context
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{ctx.trace_flags:02x}"


def forwarding(kit_db: Any, written: list[uuid.UUID]) -> Any:
    """A handler that takes effect and writes a follow-up event to its outbox."""

    async def handler(event: Envelope, uow: Any) -> None:
        await kit_db.record_effect(uow, event.id, "forwarded")
        onward = onward_of(event)
        await uow.outbox.add(onward)
        written.append(onward.id)

    return handler


async def written_row(kit_db: Any, written: list[uuid.UUID], eventually: Any) -> Any:
    """The follow-up event's outbox row, once the handler's transaction has committed."""

    async def committed() -> bool:
        return bool(written) and bool(await kit_db.outbox_rows(written))

    await eventually(committed, what="the follow-up event in the outbox")
    (row,) = await kit_db.outbox_rows(written)
    return row


async def finished(
    recorded_spans: Any, kind: SpanKind, count: int, eventually: Any
) -> list[ReadableSpan]:
    """The first `count` finished spans of `kind` (a span ends after its message is acked)."""

    def spans() -> list[ReadableSpan]:
        return [s for s in recorded_spans.get_finished_spans() if s.kind is kind]

    await eventually(lambda: len(spans()) >= count, what=f"{count} {kind.name} spans")
    return spans()


async def test_a_handler_runs_in_a_consumer_span_under_the_message_traceparent_and_its_events_carry_it(  # noqa: E501
    infra: TestInfra,
    kit_db: Any,
    broker: Broker,
    run_consumer: RunConsumer,
    recorded_spans: Any,
    eventually: Any,
) -> None:
    written: list[uuid.UUID] = []
    runner = await run_consumer(
        Consumer(name="traced", handlers={KEY: forwarding(kit_db, written)})
    )
    event = reactivated()
    await publish_raw(
        infra,
        KEY,
        event.model_dump_json().encode(),
        headers={"traceparent": TRACEPARENT, "tracestate": "kit=1"},
    )
    row = await written_row(kit_db, written, eventually)

    (consumed,) = await finished(recorded_spans, SpanKind.CONSUMER, 1, eventually)
    assert consumed.name == f"consume {KEY}"
    assert f"{consumed.context.trace_id:032x}" == TRACE_ID
    assert consumed.parent is not None
    assert f"{consumed.parent.span_id:016x}" == PARENT_ID
    attributes = dict(consumed.attributes or {})
    assert attributes["controlplane.event.type"] == KEY
    assert attributes["controlplane.event.id"] == str(event.id)
    assert attributes["controlplane.tenant_id"] == str(event.tenant_id)
    assert attributes["controlplane.correlation_id"] == str(event.correlation_id)
    assert attributes["messaging.destination.name"] == runner.names.main
    assert attributes["controlplane.redelivered"] is False
    assert attributes["controlplane.attempt"] == 0
    assert attributes["controlplane.outcome"] == "processed"

    # Written inside the handler: the row names the consumer span, tracestate included.
    assert row.headers["traceparent"] == traceparent_of(consumed)
    assert row.headers["tracestate"] == "kit=1"

    # The relay publishes it under a PRODUCER span, whose context the message then carries.
    received = await published_headers(infra, kit_db, broker, row.id)
    (published,) = [s for s in recorded_spans.get_finished_spans() if s.kind is SpanKind.PRODUCER]
    assert published.name == f"publish {ONWARD}"
    assert published.parent is not None
    assert published.parent.span_id == consumed.context.span_id
    assert received["traceparent"] == traceparent_of(published)
    assert received["x-event-id"] == str(row.id)


async def published_headers(
    infra: TestInfra, kit_db: Any, broker: Broker, event_id: uuid.UUID
) -> dict[str, Any]:
    """Publish the outbox once and return the headers `event_id` arrived with."""
    connection = await aio_pika.connect(infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        exchange = await declare_exchange(channel, kit_db.settings)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key=ONWARD)
        await OutboxRelay(kit_db.settings, kit_db.sessions, broker).publish_pending()
        async with queue.iterator(timeout=10) as messages:
            async for message in messages:
                await message.ack()
                if message.message_id == str(event_id):
                    return dict(message.headers)
    raise AssertionError(f"{event_id} was not published")


async def test_retries_and_the_dead_letter_keep_the_trace_and_each_attempt_is_a_failed_span(
    infra: TestInfra,
    run_consumer: RunConsumer,
    recorded_spans: Any,
    eventually: Any,
) -> None:
    async def broken(event: Envelope, uow: Any) -> None:
        raise ValueError("broken for good")

    runner = await run_consumer(Consumer(name="broken", handlers={KEY: broken}))
    event = reactivated()
    await publish_raw(
        infra, KEY, event.model_dump_json().encode(), headers={"traceparent": TRACEPARENT}
    )

    (dead,) = await runner.dead_letters(timeout=8.0)
    assert dead.headers["traceparent"] == TRACEPARENT
    attempts = sorted(
        await finished(recorded_spans, SpanKind.CONSUMER, 3, eventually),
        key=lambda s: dict(s.attributes or {})["controlplane.attempt"],
    )
    assert [dict(s.attributes or {})["controlplane.attempt"] for s in attempts] == [0, 1, 2]
    assert [dict(s.attributes or {})["controlplane.outcome"] for s in attempts] == [
        "retried",
        "retried",
        "dead_lettered",
    ]
    for attempt in attempts:
        assert attempt.parent is not None
        assert f"{attempt.parent.span_id:016x}" == PARENT_ID
        assert attempt.status.status_code is StatusCode.ERROR
        assert "exception" in [e.name for e in attempt.events]


async def test_off_a_handled_traceparent_goes_no_further_and_rows_carry_no_trace(
    infra: TestInfra, kit_db: Any, run_consumer: RunConsumer, eventually: Any
) -> None:
    assert not tracing.enabled()
    written: list[uuid.UUID] = []
    await run_consumer(Consumer(name="untraced", handlers={KEY: forwarding(kit_db, written)}))
    event = reactivated()
    await publish_raw(
        infra, KEY, event.model_dump_json().encode(), headers={"traceparent": TRACEPARENT}
    )
    row = await written_row(kit_db, written, eventually)
    assert set(row.headers) == {"x-event-id", "x-correlation-id", "x-tenant-id"}
