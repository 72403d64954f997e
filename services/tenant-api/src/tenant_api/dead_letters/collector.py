"""Draining every service's DLQ into the parking lot.

A message leaves its DLQ (ack) only after its row is committed; a redelivery after a crash is
deduplicated by (queue, message id + hash of body and headers).
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue

from service_kit.topology import declare_dlq
from tenant_api.dead_letters.parking import parked_row
from tenant_api.runtime import Runtime

log = structlog.get_logger(__name__)


async def collect_dead_letters(runtime: Runtime) -> None:
    """Background job: consume every configured DLQ until cancelled."""
    settings = runtime.settings
    channel = await runtime.broker.channel(prefetch=settings.consumer_prefetch)
    consumers: list[tuple[AbstractQueue, str]] = []
    try:
        for name in settings.dlq_service_names:
            service_settings = settings.model_copy(update={"service_name": name})
            queue = await declare_dlq(channel, service_settings)

            async def on_message(message: AbstractIncomingMessage, q: str = queue.name) -> None:
                await _store(runtime, q, message)

            consumers.append((queue, await queue.consume(on_message)))
        log.info("dead-letter collector started", queues=[q.name for q, _ in consumers])
        await asyncio.Event().wait()
    finally:
        for queue, tag in consumers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(queue.cancel(tag), timeout=settings.publish_timeout)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(channel.close(), timeout=settings.publish_timeout)


async def _store(runtime: Runtime, queue: str, message: AbstractIncomingMessage) -> None:
    try:
        row = parked_row(
            queue=queue,
            body=message.body,
            headers=message.headers or {},
            message_id=message.message_id,
        )
        async with runtime.uow() as uow:
            stored = await uow.dead_letters.park(row)
            await uow.commit()
    except Exception as exc:
        # Not stored: it stays in the DLQ (requeued) and is tried again.
        log.error("dead letter not stored; requeueing", queue=queue, error=repr(exc))
        await asyncio.sleep(1.0)
        with contextlib.suppress(Exception):
            await message.nack(requeue=True)
        return
    log.info(
        "dead letter parked" if stored else "dead letter seen before",
        queue=queue,
        reason=row["reason"],
        event_type=row["event_type"],
    )
    try:
        await message.ack()
    except Exception as exc:
        log.warning("dead-letter ack failed; it will be redelivered", error=repr(exc))
