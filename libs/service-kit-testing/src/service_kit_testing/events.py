"""What services publish, seen and sent from a test: a tap on the run's exchange, raw
publishing as any producer would, and taking messages from a queue (a DLQ, a retry tier)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from service_kit.settings import ServiceSettings
from service_kit_testing.infra import TestInfra
from shared_schemas import Envelope

Publish = Callable[[Envelope], Awaitable[None]]


class EventTap:
    """A private queue bound to this run's exchange, to see what a service published."""

    def __init__(self, infra: TestInfra) -> None:
        self._settings = infra.settings(ServiceSettings, service_name="tap")
        self._connection: Any = None
        self._queue: Any = None
        self.received: list[Any] = []
        self._arrived = asyncio.Event()

    async def start(self, *routing_keys: str) -> EventTap:
        import aio_pika

        from service_kit.topology import declare_exchange

        self._connection = await aio_pika.connect(self._settings.rabbitmq_url.get_secret_value())
        channel = await self._connection.channel()
        exchange = await declare_exchange(channel, self._settings)
        self._queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        for key in routing_keys or ("#",):
            await self._queue.bind(exchange, routing_key=key)
        await self._queue.consume(self._on_message, no_ack=True)
        return self

    async def _on_message(self, message: Any) -> None:
        from shared_schemas import parse_event

        self.received.append(parse_event(message.body))
        self._arrived.set()

    async def wait_for(
        self,
        event_type: str,
        *,
        count: int = 1,
        timeout: float = 10.0,
        where: Callable[[Any], bool] | None = None,
    ) -> list[Any]:
        """The first `count` events of `event_type` (that `where` accepts), waiting up to
        `timeout` seconds. A test sharing its exchange with earlier work names its own event
        with `where`: another test's late outbox row may arrive first."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = [
                e for e in self.received if e.type == event_type and (where is None or where(e))
            ]
            if len(found) >= count:
                return found
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                seen = sorted({e.type for e in self.received})
                raise AssertionError(f"no {count}x {event_type} within {timeout}s; saw {seen}")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout=remaining)
            except TimeoutError:
                continue

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()


async def publish_raw(
    infra: TestInfra,
    routing_key: str,
    body: bytes,
    *,
    headers: dict[str, Any] | None = None,
    exchange: str | None = None,
) -> None:
    """Publish bytes as any producer would: to this run's events exchange by default, to another
    exchange by name, or with `exchange=""` straight to the queue named `routing_key`."""
    import aio_pika

    from service_kit.topology import declare_exchange

    settings = infra.settings(ServiceSettings, service_name="test-publisher")
    connection = await aio_pika.connect(infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        if exchange is None:
            target = await declare_exchange(channel, settings)
        elif exchange == "":
            target = channel.default_exchange
        else:
            target = await channel.get_exchange(exchange)
        await target.publish(
            aio_pika.Message(body, headers=headers or {}, content_type="application/json"),
            routing_key=routing_key,
            mandatory=True,
            timeout=5,
        )


async def publish_event(infra: TestInfra, event: Envelope) -> None:
    """Publish an event to this run's exchange under its type, as its producer would."""
    await publish_raw(infra, event.type, event.model_dump_json().encode())


async def wait_for_queue_messages(
    infra: TestInfra, queue: str, *, count: int = 1, timeout: float = 10.0
) -> list[Any]:
    """Take (ack) at least `count` messages from `queue`; fail if they do not come in time.

    Returns aio-pika messages, so tests can read `body` and `headers` (reason, x-death, ...).
    """
    import aio_pika

    taken: list[Any] = []
    connection = await aio_pika.connect(infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        deadline = asyncio.get_running_loop().time() + timeout
        while len(taken) < count:
            q = await channel.get_queue(queue, ensure=True)
            message = await q.get(fail=False, no_ack=True)
            if message is not None:
                taken.append(message)
                continue
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{queue}: {len(taken)} of {count} messages in {timeout}s")
            await asyncio.sleep(0.05)
    return taken
