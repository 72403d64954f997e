"""The consumer runner: parse → inbox → handler → commit → ack, with retries and a DLQ."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic

import structlog
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue
from opentelemetry.trace import Span, SpanKind

from service_kit import metrics, tracing
from service_kit.broker import Broker
from service_kit.db import UowT
from service_kit.group_commit import GroupCommit
from service_kit.inbox import Handler as Handler  # what a Consumer maps types to
from service_kit.inbox import handle_once
from service_kit.outage_hold import HeldDelivery, Hold, OutageHold
from service_kit.outages import engine_error
from service_kit.topology import QueueNames, declare_consumer_queues, queue_names
from shared_schemas import Envelope, EventRejected, parse_event

log = structlog.get_logger(__name__)

UowFactory = Callable[[], UowT]

ATTEMPT_HEADER = "x-attempt"
# When (epoch ms) the engine outage this delivery waited out in place began: its later trips
# through the retry tiers get no fresh budget.
OUTAGE_HEADER = "x-outage-since"


@dataclass(frozen=True)
class Consumer(Generic[UowT]):
    """What a service consumes: a name (its queue), the routing keys, a handler per event type.

    `fallback` handles every event type without a handler of its own (for wildcard bindings).
    `shares_transactions` says that its handlers only write to the database through the unit
    of work they are given (no mail, no HTTP, no commit or rollback of their own), so that
    deliveries waiting together may share one transaction (`service_kit.group_commit`).
    `foreign_errors` are the errors of its dependencies that are not engines (a mail server's
    client, say): a failure raised as one of them is a failed delivery, never an engine outage
    held in place (`service_kit.outage_hold`), even when a refused socket lies beneath it.
    """

    name: str
    handlers: Mapping[str, Handler[UowT]] = field(default_factory=dict)
    bindings: list[str] = field(default_factory=list)
    fallback: Handler[UowT] | None = None
    shares_transactions: bool = False
    foreign_errors: tuple[type[BaseException], ...] = ()

    @property
    def routing_keys(self) -> list[str]:
        return self.bindings or list(self.handlers)


class ConsumerRunner(Generic[UowT]):
    """Runs one `Consumer` against its queue.

    A message that can never succeed (malformed, unknown type or version, no handler, or a
    handler raising `EventRejected`) goes to the DLQ at once; a failing handler is retried
    through the delay tiers, then dead-lettered. A handler failing because the database or
    Redis is away is held and tried again in place instead, up to CONSUMER_OUTAGE_TOLERANCE
    (`service_kit.outage_hold`). A message leaves its queue (ack) only after the DLQ or retry
    queue has confirmed its copy.
    """

    def __init__(
        self,
        consumer: Consumer[UowT],
        broker: Broker,
        uow_factory: UowFactory[UowT],
        *,
        after_commit: Callable[[Envelope], Awaitable[None]] | None = None,
    ) -> None:
        self.consumer = consumer
        self._broker = broker
        self._uow_factory = uow_factory
        self._after_commit = after_commit  # a seam for tests that crash between commit and ack
        self.names: QueueNames = queue_names(broker.settings, consumer.name)
        self._queue: AbstractQueue | None = None
        self._tag: str | None = None
        batch = broker.settings.consumer_batch_size
        self._group = (
            GroupCommit(uow_factory, consumer.name, batch)
            if consumer.shares_transactions and batch > 1
            else None
        )
        self._hold = OutageHold(consumer.name, broker.settings.consumer_outage_tolerance)

    @property
    def held(self) -> int:
        """Deliveries held now, waiting for an engine."""
        return self._hold.held

    async def start(self) -> None:
        settings = self._broker.settings
        channel = await self._broker.channel(prefetch=settings.consumer_prefetch)
        assert self._broker.exchange is not None
        exchange = await channel.get_exchange(settings.events_exchange)
        self._queue = await declare_consumer_queues(
            channel, exchange, settings, self.consumer.name, self.consumer.routing_keys
        )
        self._tag = await self._queue.consume(self.handle)
        log.info("consumer started", consumer=self.consumer.name, queue=self.names.main)

    async def stop(self) -> None:
        timeout = self._broker.settings.publish_timeout
        try:
            await self._cancel(timeout)
        finally:
            # After the cancel, so that a delivery put back is not handed to this consumer again.
            await self._hold.release(timeout)

    async def _cancel(self, timeout: float) -> None:
        if self._queue is None or self._tag is None:
            return
        tag, self._tag = self._tag, None
        if not self._broker.is_connected:
            return  # the broker dropped the consumer along with the connection
        # A robust channel waits for a reconnect before sending anything: never block shutdown.
        await asyncio.wait_for(self._queue.cancel(tag), timeout=timeout)

    async def handle(self, message: AbstractIncomingMessage) -> None:
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(service=self._broker.settings.service_name)
        # The publisher's trace continues here; whatever the handler writes to its outbox
        # carries this span's context on.
        with tracing.span(
            f"consume {message.routing_key}",
            kind=SpanKind.CONSUMER,
            parent=tracing.extract(message.headers),
            attributes=self._span_attributes(message),
        ) as span:
            await self._handle(message, span)

    def _span_attributes(self, message: AbstractIncomingMessage) -> dict[str, Any]:
        if not tracing.enabled():
            return {}
        return {
            "messaging.system": "rabbitmq",
            "messaging.operation.type": "process",
            "messaging.destination.name": self.names.main,
            "messaging.consumer.group.name": self.consumer.name,
            "messaging.rabbitmq.destination.routing_key": message.routing_key or "",
            "messaging.message.id": message.message_id or "",
            "controlplane.redelivered": bool(message.redelivered),
            "controlplane.attempt": _attempt(message),
        }

    async def _handle(self, message: AbstractIncomingMessage, span: Span) -> None:
        try:
            event = parse_event(message.body)
        except EventRejected as exc:
            await self._dead_letter(message, reason=exc.reason, error=exc.detail, event_type=None)
            return
        if span.is_recording():
            span.update_name(f"consume {event.type}")
            span.set_attributes(
                {
                    "controlplane.event.type": event.type,
                    "controlplane.event.id": str(event.id),
                    "controlplane.correlation_id": str(event.correlation_id),
                    "controlplane.tenant_id": str(event.tenant_id or ""),
                }
            )
        structlog.contextvars.bind_contextvars(
            event_id=str(event.id),
            event_type=event.type,
            correlation_id=str(event.correlation_id),
            tenant_id=str(event.tenant_id) if event.tenant_id else None,
        )
        handler = self.consumer.handlers.get(event.type, self.consumer.fallback)
        if handler is None:
            await self._dead_letter(
                message,
                reason="no_handler",
                error=f"{self.consumer.name} has no handler for {event.type}",
                event_type=event.type,
            )
            return
        with self._hold.delivery() as held:
            await self._process(message, event, handler, span, held)

    async def _process(
        self,
        message: AbstractIncomingMessage,
        event: Envelope,
        handler: Handler[UowT],
        span: Span,
        held: HeldDelivery,
    ) -> None:
        since = _outage_since(message)
        while True:
            try:
                handled = await self._run_handler(event, handler)
            except EventRejected as exc:
                # The handler found the event can never succeed (e.g. a sealed value no key
                # opens): retrying would only delay the dead letter.
                await self._dead_letter(
                    message, reason=exc.reason, error=exc.detail, event_type=event.type
                )
                return
            except Exception as exc:
                away = engine_error(exc, self.consumer.foreign_errors)
                if away is not None:
                    since = since or time.time()
                    verdict = await self._hold.wait(held, away, since)
                    if verdict is Hold.AGAIN:
                        continue
                    if verdict is Hold.STOPPING:
                        await self._requeue(message, event.type)
                        return
                log.warning("handler failed", error=repr(exc))
                tracing.record_error(exc, span)
                # Past the tolerance, the outage's start travels on: no fresh budget next trip.
                await self._retry_or_dead_letter(
                    message, event, exc, outage_since=since if away is not None else None
                )
                return
            break
        if not handled:
            self._count(event.type, "duplicate")
            await self._ack(message)
            return
        if self._after_commit is not None:
            await self._after_commit(event)
        self._count(event.type, "processed")
        await self._ack(message)

    async def _run_handler(self, event: Envelope, handler: Handler[UowT]) -> bool:
        """Handle and commit once: False for a duplicate; raises what the handler raised."""
        started = time.perf_counter()
        try:
            if self._group is not None:
                return await self._group.run(event, handler)
            return await self._alone(event, handler)
        finally:
            metrics.HANDLER_LATENCY.labels(self.consumer.name, event.type).observe(
                time.perf_counter() - started
            )

    async def _alone(self, event: Envelope, handler: Handler[UowT]) -> bool:
        async with self._uow_factory() as uow:
            if not await handle_once(uow, self.consumer.name, event, handler):
                return False
            await uow.commit()
        return True

    async def _retry_or_dead_letter(
        self,
        message: AbstractIncomingMessage,
        event: Envelope,
        exc: Exception,
        *,
        outage_since: float | None,
    ) -> None:
        attempt = _attempt(message)
        if attempt < len(self.names.retries):
            headers = {**_plain(message.headers), ATTEMPT_HEADER: attempt + 1, "x-error": repr(exc)}
            if outage_since is not None:
                headers[OUTAGE_HEADER] = int(outage_since * 1000)
            headers.setdefault("x-original-routing-key", message.routing_key or event.type)
            headers.setdefault("x-original-exchange", message.exchange or "")
            if not await self._move(message, self.names.retries[attempt], headers, "retry"):
                return
            self._count(event.type, "retried")
            log.info("scheduled retry", attempt=attempt + 1, delay=self._delay(attempt))
            await self._ack(message)
            return
        await self._dead_letter(
            message, reason="retries_exhausted", error=repr(exc), event_type=event.type
        )

    async def _dead_letter(
        self,
        message: AbstractIncomingMessage,
        *,
        reason: str,
        error: str,
        event_type: str | None,
    ) -> None:
        settings = self._broker.settings
        headers = {
            **_plain(message.headers),
            "x-reason": reason,
            "x-error": error[:4000],
            "x-service": settings.service_name,
            "x-consumer": self.consumer.name,
            "x-original-queue": self.names.main,
            "x-dead-lettered-at": int(time.time() * 1000),
        }
        headers.setdefault("x-original-routing-key", message.routing_key or "")
        headers.setdefault("x-original-exchange", message.exchange or "")
        if not await self._move(message, self.names.dlq, headers, "dead-letter"):
            return
        log.warning("dead-lettered", reason=reason, error=error[:500])
        tracing.record_error(f"dead-lettered: {reason}")
        self._count(event_type or "unknown", "dead_lettered")
        await self._ack(message)

    async def _move(
        self, message: AbstractIncomingMessage, queue: str, headers: dict[str, Any], what: str
    ) -> bool:
        """Publish the delivery into `queue` (a retry or the DLQ) before it may be acked; False
        when that failed and it was requeued instead. Not stored elsewhere yet, it must not leave
        its queue: the delivery limit still dead-letters it if this keeps happening."""
        try:
            await self._broker.publish(
                message.body,
                routing_key=queue,
                headers=headers,
                message_id=message.message_id,
                to_queue=True,
            )
        except Exception as publish_exc:
            log.error(f"{what} publish failed; requeueing", error=repr(publish_exc))
            await message.nack(requeue=True)
            return False
        return True

    async def _requeue(self, message: AbstractIncomingMessage, event_type: str) -> None:
        try:
            await message.nack(requeue=True)
        except Exception as exc:
            # The channel is gone: the broker puts the delivery back by itself.
            log.warning("requeue failed; the broker returns the message", error=repr(exc))
            return
        log.info("held delivery returned to its queue: the service stops")
        self._count(event_type, "requeued")

    async def _ack(self, message: AbstractIncomingMessage) -> None:
        try:
            await message.ack()
        except Exception as exc:
            # The channel died (e.g. a reconnect): the broker redelivers and the inbox dedupes.
            log.warning("ack failed; message will be redelivered", error=repr(exc))

    def _count(self, event_type: str, outcome: str) -> None:
        metrics.EVENTS_CONSUMED.labels(self.consumer.name, event_type, outcome).inc()
        tracing.current_span().set_attribute("controlplane.outcome", outcome)

    def _delay(self, attempt: int) -> float:
        return self._broker.settings.retry_delays[attempt]


def _attempt(message: AbstractIncomingMessage) -> int:
    """How many delayed retries this delivery has been through."""
    return int(str((message.headers or {}).get(ATTEMPT_HEADER, 0) or 0))


def _outage_since(message: AbstractIncomingMessage) -> float | None:
    """When the outage an earlier trip of this delivery waited out began (epoch seconds)."""
    value = (message.headers or {}).get(OUTAGE_HEADER)
    try:
        return int(str(value)) / 1000 if value is not None else None
    except ValueError:
        return None


def _plain(headers: Mapping[str, Any] | None) -> dict[str, Any]:
    """Headers safe to republish (drop the broker's own bookkeeping)."""
    return {k: v for k, v in (headers or {}).items() if k not in {"x-delivery-count"}}
