"""The `dlq_depth{queue}` gauge: the service's dead-letter queue, sampled while it runs."""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from aio_pika.abc import AbstractChannel

from service_kit import metrics
from service_kit.broker import Broker
from service_kit.topology import declare_dlq, dlq_name

log = structlog.get_logger(__name__)


async def record_dlq_depth(broker: Broker, channel: AbstractChannel | None = None) -> int:
    """Declare (idempotently) the service's DLQ, set `dlq_depth{queue}` to its message count.

    On `channel` if given (left open), else on a channel of its own for this one sample."""
    own = channel is None
    sampling = await broker.channel() if channel is None else channel
    try:
        queue = await declare_dlq(sampling, broker.settings)
        count = int(queue.declaration_result.message_count or 0)
    finally:
        if own:
            with contextlib.suppress(Exception):
                await sampling.close()
    metrics.DLQ_DEPTH.labels(dlq_name(broker.settings)).set(count)
    return count


async def watch_dlq_depth(broker: Broker) -> None:
    """Every `METRICS_DLQ_INTERVAL` seconds, record the DLQ's depth; a failed sample is skipped.

    One channel for every sample, opened again only after a failure: a channel's opening is the
    moment a cancellation (the sample's timeout, or the service stopping) can cost the whole
    connection, so it should happen once, not every few seconds.
    """
    channel: AbstractChannel | None = None
    try:
        while True:
            try:
                # Not wait_for: on 3.11 it can swallow the cancellation that stops this loop.
                async with asyncio.timeout(10):
                    if channel is None or channel.is_closed:
                        channel = await broker.channel()
                    await record_dlq_depth(broker, channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("dlq depth sample failed", error=repr(exc))
                await _discard(broker, channel)
                channel = None
            await asyncio.sleep(broker.settings.metrics_dlq_interval)
    finally:
        await _discard(broker, channel)


async def _discard(broker: Broker, channel: AbstractChannel | None) -> None:
    # A robust channel waits for a reconnect before it sends anything, closing included: with
    # the connection gone there is nothing to close, and waiting would hold up a shutdown.
    if channel is not None and not channel.is_closed and broker.is_connected:
        with contextlib.suppress(Exception):
            await channel.close()
