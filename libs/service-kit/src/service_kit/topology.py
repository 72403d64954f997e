"""Names and declaration of the broker objects: one topic exchange, per-consumer quorum queues,
retry tiers that dead-letter back after a TTL, and one DLQ per service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue

from service_kit.settings import ServiceSettings


@dataclass(frozen=True)
class QueueNames:
    main: str
    retries: tuple[str, ...]
    dlq: str


def dlq_name(settings: ServiceSettings) -> str:
    return f"{settings.queue_prefix}{settings.service_name}.dlq"


def queue_names(settings: ServiceSettings, consumer: str) -> QueueNames:
    base = f"{settings.queue_prefix}{settings.service_name}.{consumer}"
    # Named by delay: changing RETRY_DELAYS declares new tiers instead of clashing with old ones.
    retries = tuple(f"{base}.retry.{round(d * 1000)}ms" for d in settings.retry_delays)
    return QueueNames(main=base, retries=retries, dlq=dlq_name(settings))


def _quorum_args(settings: ServiceSettings, **extra: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"x-queue-type": "quorum", **extra}
    if settings.queue_expires_ms:
        args["x-expires"] = settings.queue_expires_ms
    return args


def _dead_letter_to(queue: str) -> dict[str, Any]:
    # At-least-once dead-lettering (quorum only) needs reject-publish overflow; it never drops.
    return {
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": queue,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


async def declare_exchange(channel: AbstractChannel, settings: ServiceSettings) -> AbstractExchange:
    return await channel.declare_exchange(
        settings.events_exchange,
        aio_pika.ExchangeType.TOPIC,
        durable=True,
    )


async def declare_dlq(channel: AbstractChannel, settings: ServiceSettings) -> AbstractQueue:
    return await channel.declare_queue(
        dlq_name(settings), durable=True, arguments=_quorum_args(settings)
    )


async def declare_consumer_queues(
    channel: AbstractChannel,
    exchange: AbstractExchange,
    settings: ServiceSettings,
    consumer: str,
    bindings: list[str],
) -> AbstractQueue:
    """Declare a consumer's main queue (bound to `bindings`) and its retry tiers."""
    names = queue_names(settings, consumer)
    await declare_dlq(channel, settings)
    main = await channel.declare_queue(
        names.main,
        durable=True,
        arguments=_quorum_args(
            settings, **_dead_letter_to(names.dlq), **{"x-delivery-limit": settings.delivery_limit}
        ),
    )
    for name, delay in zip(names.retries, settings.retry_delays, strict=True):
        await channel.declare_queue(
            name,
            durable=True,
            arguments=_quorum_args(
                settings, **_dead_letter_to(names.main), **{"x-message-ttl": int(delay * 1000)}
            ),
        )
    for key in bindings:
        await main.bind(exchange, routing_key=key)
    return main
