"""Consumer runners under test: each on a broker connection of its own, noting its deliveries."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from service_kit.broker import Broker
from service_kit.consumer import Consumer, ConsumerRunner
from service_kit_testing import TestInfra, wait_for_queue_messages
from shared_schemas import Envelope


class ObservedRunner(ConsumerRunner):
    """The kit's runner, noting every delivery once the kit is done with it; its queues can be
    looked into on this run's broker (`infra`)."""

    def __init__(
        self, consumer: Consumer, broker: Broker, *args: Any, infra: TestInfra, **kwargs: Any
    ) -> None:
        super().__init__(consumer, broker, *args, **kwargs)
        self.broker = broker
        self.infra = infra
        self.deliveries: list[AbstractIncomingMessage] = []

    async def handle(self, message: AbstractIncomingMessage) -> None:
        try:
            await super().handle(message)
        finally:
            self.deliveries.append(message)

    async def ready(self, queue: str | None = None) -> int:
        """How many messages wait in `queue` (its main queue unless named)."""
        return await ready_messages(self.infra, queue or self.names.main)

    async def dead_letters(self, count: int = 1, timeout: float = 10.0) -> list[Any]:
        """Take `count` messages from its DLQ; fail if they do not come within `timeout` s."""
        return await wait_for_queue_messages(
            self.infra, self.names.dlq, count=count, timeout=timeout
        )


RunConsumer = Callable[..., Awaitable[ObservedRunner]]
"""The `run_consumer` fixture: start a runner for a consumer (options as the runner takes them,
`uow_factory` and `settings` in place of the kit's)."""


async def ready_messages(infra: TestInfra, queue: str) -> int:
    connection = await aio_pika.connect(infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        assert declared.declaration_result.message_count is not None
        return declared.declaration_result.message_count


def effect_handler(kit_db: Any, calls: list[uuid.UUID], note: str = "done") -> Any:
    async def handler(event: Envelope, uow: Any) -> None:
        calls.append(event.id)
        await kit_db.record_effect(uow, event.id, note)

    return handler
