"""Draining every service's DLQ into the parking lot, and replaying parked messages.

A message leaves its DLQ (ack) only after its row is committed; a redelivery after a crash is
deduplicated by (queue, message id + hash of body and headers). Replay publishes first (confirmed)
and marks REPLAYED only then: a crash in between duplicates at worst, consumers dedupe by inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

import structlog
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue
from sqlalchemy import Row

from service_kit.retention import days
from service_kit.runtime import ServiceRuntime
from service_kit.topology import declare_dlq, dlq_name
from tenant_api.dead_letters import repository as repo
from tenant_api.settings import TenantApiSettings

log = structlog.get_logger(__name__)


def dlq_queues(settings: TenantApiSettings) -> list[str]:
    return [
        dlq_name(settings.model_copy(update={"service_name": name}))
        for name in settings.dlq_service_names
    ]


async def collect_dead_letters(runtime: ServiceRuntime[Any, Any, Any]) -> None:
    """Background job: consume every configured DLQ until cancelled."""
    settings = runtime.settings
    assert isinstance(settings, TenantApiSettings)
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


async def _store(
    runtime: ServiceRuntime[Any, Any, Any], queue: str, message: AbstractIncomingMessage
) -> None:
    try:
        row = repo.parked_row(
            queue=queue,
            body=message.body,
            headers=message.headers or {},
            message_id=message.message_id,
        )
        async with runtime.uow() as uow:
            stored = await repo.park(uow.session, row)
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


class NotReplayable(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def past_replay_window(runtime: ServiceRuntime[Any, Any, Any], row: Row[Any]) -> bool:
    """The letter's event is older than DEAD_LETTER_REPLAY_DAYS: it may only be discarded.

    The consumers' inboxes remember an event for INBOX_RETENTION_DAYS, which the settings keep
    above this window: within it, a replayed copy of an event already handled is deduplicated.
    """
    occurred_at = repo.event_occurred_at(row)
    window = days(runtime.settings.dead_letter_replay_days)
    return occurred_at is not None and datetime.now(UTC) - occurred_at > window


async def replay_one(runtime: ServiceRuntime[Any, Any, Any], row: Row[Any], actor: str) -> None:
    """Publish the exact bytes back to the original queue (confirmed), then mark REPLAYED."""
    if row.status != repo.PARKED:
        raise NotReplayable(f"This dead letter is {row.status}; only PARKED ones are replayed.")
    if not row.original_queue:
        raise NotReplayable("This dead letter names no original queue to replay to.")
    if past_replay_window(runtime, row):
        raise NotReplayable(
            "This dead letter's event is older than DEAD_LETTER_REPLAY_DAYS; the consumers may "
            "no longer remember handling it, so a replay could take effect twice. Discard it."
        )
    await runtime.broker.publish(
        bytes(row.body),
        routing_key=row.original_queue,
        headers=repo.replay_headers(row),
        message_id=row.message_id,
        to_queue=True,
    )
    async with runtime.uow() as uow:
        await repo.act(uow.session, row, action=repo.REPLAYED, actor=actor)
        await uow.commit()
