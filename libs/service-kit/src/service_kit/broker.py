"""The broker connection and a publisher that only returns once RabbitMQ has the message."""

from __future__ import annotations

import contextlib
from typing import Any, Literal

import aio_pika
import structlog
from aio_pika.abc import AbstractChannel, AbstractExchange, DeliveryMode
from aio_pika.exceptions import CONNECTION_EXCEPTIONS

from service_kit.node_rotation import Listener, NodeRotatingConnection
from service_kit.settings import ServiceSettings
from service_kit.topology import declare_exchange

log = structlog.get_logger(__name__)

BrokerState = Literal["ok", "reconnecting", "disconnected"]


class Broker:
    """A robust connection over the cluster's nodes plus one confirming channel for publishing.

    Every publish is mandatory (unroutable raises), confirmed (nack raises) and time-boxed.
    """

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.connection: NodeRotatingConnection | None = None
        self._channel: AbstractChannel | None = None
        self.exchange: AbstractExchange | None = None

    async def connect(self) -> None:
        """Connect to the first node that answers, trying each once; raise if none does."""
        nodes = self.settings.broker_urls
        last: BaseException | None = None
        for first in range(len(nodes)):
            # A fresh connection per node: aio-pika's first attempt fails fast and the failed
            # connection object cannot be started again.
            connection = NodeRotatingConnection(
                nodes,
                first=first,
                client_properties={"connection_name": self.settings.service_name},
            )
            try:
                await connection.connect(timeout=self.settings.publish_timeout)
            except (*CONNECTION_EXCEPTIONS, TimeoutError) as exc:
                last = exc
                with contextlib.suppress(Exception):
                    await connection.close()
                continue
            self.connection = connection
            break
        if self.connection is None:
            assert last is not None
            raise last
        self._channel = await self.connection.channel(
            publisher_confirms=True, on_return_raises=True
        )
        self.exchange = await declare_exchange(self._channel, self.settings)

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()

    @property
    def state(self) -> BrokerState:
        """ "ok" only while connected with the publishing channel open: aio-pika's robust
        connection does not count itself closed while it is reconnecting."""
        connection = self.connection
        if connection is None or connection.is_closed:
            return "disconnected"
        if connection.is_ready and self._channel is not None and not self._channel.is_closed:
            return "ok"
        return "reconnecting"

    @property
    def is_connected(self) -> bool:
        return self.state == "ok"

    @property
    def node(self) -> str | None:
        """host:port of the node in use; never the URL (it carries the password)."""
        return self.connection.node if self.connection is not None else None

    def add_reconnect_listener(self, listener: Listener) -> None:
        """Call `listener` whenever the connection is back with its channels restored."""
        assert self.connection is not None, "connect() first"
        self.connection.add_ready_listener(listener)

    def remove_reconnect_listener(self, listener: Listener) -> None:
        if self.connection is not None:
            self.connection.remove_ready_listener(listener)

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
