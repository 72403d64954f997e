"""`dlq_depth{queue}` follows what sits in a service's DLQ (real RabbitMQ)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable

from aio_pika.abc import AbstractChannel
from prometheus_client import REGISTRY

from service_kit.broker import Broker
from service_kit.runtime import record_dlq_depth, watch_dlq_depth
from service_kit.settings import ServiceSettings
from service_kit.testing import TestInfra
from service_kit.topology import dlq_name


def _depth(queue: str) -> float | None:
    return REGISTRY.get_sample_value("dlq_depth", {"queue": queue})


async def test_dlq_depth_counts_the_messages_parked_in_the_dlq(infra: TestInfra) -> None:
    settings: ServiceSettings = infra.settings(
        ServiceSettings,
        service_name=f"kit-dlq-{uuid.uuid4().hex[:8]}",
        metrics_dlq_interval=0.1,
    )
    queue = dlq_name(settings)
    broker = Broker(settings)
    await broker.connect()
    try:
        # The DLQ does not exist yet: sampling declares it and reads zero, without crashing.
        assert await record_dlq_depth(broker) == 0
        assert _depth(queue) == 0

        for n in range(3):
            await broker.publish(b'{"n": %d}' % n, routing_key=queue, to_queue=True)

        watcher = asyncio.create_task(watch_dlq_depth(broker))
        try:
            deadline = asyncio.get_running_loop().time() + 10
            while _depth(queue) != 3:
                assert asyncio.get_running_loop().time() < deadline, f"depth {_depth(queue)}"
                await asyncio.sleep(0.05)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
    finally:
        await broker.close()


async def test_the_watcher_samples_on_one_channel_and_replaces_it_once_closed(
    infra: TestInfra,
) -> None:
    settings: ServiceSettings = infra.settings(
        ServiceSettings,
        service_name=f"kit-dlq-{uuid.uuid4().hex[:8]}",
        metrics_dlq_interval=0.05,
    )
    queue = dlq_name(settings)
    broker = Broker(settings)
    await broker.connect()
    opened: list[AbstractChannel] = []
    open_channel = broker.channel

    async def counted_channel(prefetch: int | None = None) -> AbstractChannel:
        channel = await open_channel(prefetch)
        opened.append(channel)
        return channel

    broker.channel = counted_channel  # type: ignore[method-assign]
    watcher = asyncio.create_task(watch_dlq_depth(broker))
    try:
        await _until(lambda: _depth(queue) == 0)
        await broker.publish(b"{}", routing_key=queue, to_queue=True)
        await _until(lambda: _depth(queue) == 1)
        assert len(opened) == 1, "every sample so far on the first channel"

        await opened[0].close()  # as the broker would close a channel after an error
        await broker.publish(b"{}", routing_key=queue, to_queue=True)
        await _until(lambda: _depth(queue) == 2)
        assert len(opened) == 2, "a closed channel is replaced, once"
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        assert all(channel.is_closed for channel in opened), "the watcher closes its channel"
        await broker.close()


async def _until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "did not happen in time"
        await asyncio.sleep(0.02)
