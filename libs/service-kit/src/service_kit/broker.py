"""The broker connection and a publisher that only returns once RabbitMQ has the message."""

from __future__ import annotations

from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractRobustConnection,
    DeliveryMode,
)

from service_kit.settings import ServiceSettings
from service_kit.topology import declare_exchange


class Broker:
    """A robust connection plus one confirming channel for publishing.

    Every publish is mandatory (unroutable raises), confirmed (nack raises) and time-boxed.
    """

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self.exchange: AbstractExchange | None = None

    async def connect(self) -> None:
        self.connection = await aio_pika.connect_robust(
            self.settings.rabbitmq_url.get_secret_value(),
            client_properties={"connection_name": self.settings.service_name},
        )
        self._channel = await self.connection.channel(
            publisher_confirms=True, on_return_raises=True
        )
        self.exchange = await declare_exchange(self._channel, self.settings)

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()

    @property
    def is_connected(self) -> bool:
        return self.connection is not None and not self.connection.is_closed

    async def channel(self, prefetch: int | None = None) -> AbstractChannel:
        """A fresh channel (consumers get their own so that a slow one cannot block publishes)."""
        assert self.connection is not None, "connect() first"
        channel = await self.connection.channel(publisher_confirms=True, on_return_raises=True)
        if prefetch:
            await channel.set_qos(prefetch_count=prefetch)
        return channel

    async def publish(
        self,
        body: bytes,
        *,
        routing_key: str,
        headers: dict[str, Any] | None = None,
        message_id: str | None = None,
        to_queue: bool = False,
    ) -> None:
        """Publish to the events exchange, or straight to a queue with `to_queue=True`."""
        assert self._channel is not None, "connect() first"
        assert self.exchange is not None, "connect() first"
        message = aio_pika.Message(
            body,
            headers=headers or {},
            message_id=message_id,
            content_type="application/json",
            delivery_mode=DeliveryMode.PERSISTENT,
        )
        exchange = self._channel.default_exchange if to_queue else self.exchange
        await exchange.publish(
            message,
            routing_key=routing_key,
            mandatory=True,
            timeout=self.settings.publish_timeout,
        )
