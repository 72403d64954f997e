"""`dlq_depth{queue}` follows what sits in a service's DLQ (real RabbitMQ)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aio_pika.abc import AbstractChannel
from prometheus_client import REGISTRY

from service_kit import dlq_depth
from service_kit.broker import Broker
from service_kit.dlq_depth import record_dlq_depth, watch_dlq_depth
from service_kit.settings import ServiceSettings
from service_kit.topology import dlq_name
from service_kit_testing import TestInfra

from ..conftest import connected_broker  # type: ignore[import-not-found]


def _depth(queue: str) -> float | None:
    return REGISTRY.get_sample_value("dlq_depth", {"queue": queue})


@pytest.fixture
async def broker(infra: TestInfra) -> AsyncIterator[Broker]:
    """Connected, for a service of its own (so a DLQ of its own), sampled every 50 ms."""
    settings: ServiceSettings = infra.settings(
        ServiceSettings,
        service_name=f"kit-dlq-{uuid.uuid4().hex[:8]}",
        metrics_dlq_interval=0.05,
    )
    async with connected_broker(settings) as connected:
        yield connected


@contextlib.asynccontextmanager
async def watching(broker: Broker) -> AsyncIterator[None]:
    watcher = asyncio.create_task(watch_dlq_depth(broker))
    try:
        yield
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def test_dlq_depth_counts_the_messages_parked_in_the_dlq(
    broker: Broker, eventually: Any
) -> None:
    queue = dlq_name(broker.settings)
    # The DLQ does not exist yet: sampling declares it and reads zero, without crashing.
    assert await record_dlq_depth(broker) == 0
    assert _depth(queue) == 0

    for n in range(3):
        await broker.publish(b'{"n": %d}' % n, routing_key=queue, to_queue=True)

    async with watching(broker):
        await eventually(lambda: _depth(queue) == 3, what="a depth of 3")


async def test_the_watcher_samples_on_one_channel_and_replaces_it_once_closed(
    broker: Broker, eventually: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = dlq_name(broker.settings)
    opened: list[AbstractChannel] = []
    open_channel = broker.channel

    async def counted_channel(prefetch: int | None = None) -> AbstractChannel:
        channel = await open_channel(prefetch)
        opened.append(channel)
        return channel

    # The channel is closed right after a sample, so that the next one finds it closed. Closed
    # from here at any other moment, a sample already waiting on it would wait for its timeout.
    close_after_sample = asyncio.Event()
    sample = dlq_depth.record_dlq_depth

    async def sample_then_close(broker: Broker, channel: AbstractChannel | None = None) -> int:
        count = await sample(broker, channel)
        if close_after_sample.is_set() and channel is not None:
            await channel.close()
            close_after_sample.clear()
        return count

    broker.channel = counted_channel  # type: ignore[method-assign]
    monkeypatch.setattr(dlq_depth, "record_dlq_depth", sample_then_close)
    async with watching(broker):
        await eventually(lambda: _depth(queue) == 0, what="a first sample")
        await broker.publish(b"{}", routing_key=queue, to_queue=True)
        await eventually(lambda: _depth(queue) == 1, what="a depth of 1")
        assert len(opened) == 1, "every sample so far on the first channel"

        close_after_sample.set()
        await eventually(lambda: not close_after_sample.is_set(), what="the channel closed")
        assert opened[0].is_closed
        await broker.publish(b"{}", routing_key=queue, to_queue=True)
        await eventually(lambda: _depth(queue) == 2, what="a depth of 2")
        assert len(opened) == 2, "a closed channel is replaced, once"
    assert all(channel.is_closed for channel in opened), "the watcher closes its channel"
