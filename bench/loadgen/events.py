"""Seeing tenants arrive at a resting status on the events stream, as they happen."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

OUTCOMES = ("tenant.activated", "tenant.provisioning_failed")


@dataclass(frozen=True)
class Arrival:
    at: float  # time.monotonic() when it reached us
    type: str
    occurred_at: str  # the envelope's, ISO 8601: when tenant-api committed the status


class EventWatch:
    """A private queue on the run's exchange, bound to the tenants' outcome events."""

    def __init__(self, rabbitmq_url: str, exchange: str) -> None:
        self._url = rabbitmq_url
        self._exchange = exchange
        self._connection: AbstractRobustConnection | None = None
        self.arrivals: dict[str, Arrival] = {}
        self.changed = asyncio.Event()

    async def start(self) -> EventWatch:
        self._connection = await aio_pika.connect_robust(self._url)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=1000)
        exchange = await channel.get_exchange(self._exchange, ensure=True)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        for key in OUTCOMES:
            await queue.bind(exchange, routing_key=key)
        await queue.consume(self._on_message, no_ack=True)
        return self

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        now = time.monotonic()
        event = json.loads(message.body)
        tenant_id = event.get("tenant_id")
        if tenant_id and tenant_id not in self.arrivals:  # the first outcome counts
            self.arrivals[tenant_id] = Arrival(now, event["type"], event["occurred_at"])
            self.changed.set()

    async def wait_for(self, tenant_ids: set[str], timeout: float) -> None:
        """Until every id has arrived, or `timeout` seconds have passed."""
        deadline = time.monotonic() + timeout
        while not tenant_ids <= self.arrivals.keys():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), timeout=min(remaining, 1.0))
            except TimeoutError:
                continue

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
