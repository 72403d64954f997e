"""Everything a service holds open while it runs, built in the lifespan and closed there."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

import structlog
from aio_pika.abc import AbstractChannel
from opentelemetry.sdk.trace import TracerProvider
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service_kit import metrics, tracing
from service_kit.broker import Broker
from service_kit.consumer import Consumer, ConsumerRunner
from service_kit.db import UnitOfWork, make_engine, make_sessionmaker
from service_kit.outbox import notify_channel
from service_kit.redis_client import close_redis, redis_client, writable_master
from service_kit.relay import OutboxRelay
from service_kit.retention import Pruner, RetentionRule, kit_rules
from service_kit.settings import ServiceSettings
from service_kit.tasks import cancel_and_wait
from service_kit.topology import declare_dlq, dlq_name

log = structlog.get_logger(__name__)

BackgroundJob = Callable[["ServiceRuntime"], Coroutine[Any, Any, None]]
# A service's own readiness check: "ok", or why not (then /readyz answers 503).
ReadinessCheck = Callable[["ServiceRuntime"], Coroutine[Any, Any, str]]


class ServiceRuntime:
    """Engine, broker, Redis, the outbox relay, the retention job and the consumers of one
    service process."""

    def __init__(
        self,
        settings: ServiceSettings,
        consumers: Sequence[Consumer] = (),
        *,
        uses_redis: bool = False,
        background: Sequence[BackgroundJob] = (),
        run_relay: bool = True,
        on_start: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
        on_stop: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
        readiness_checks: Mapping[str, ReadinessCheck] | None = None,
        retention: Sequence[RetentionRule] = (),
    ) -> None:
        self.settings = settings
        self.consumers = list(consumers)
        self.uses_redis = uses_redis
        self.background = list(background)
        self.run_relay = run_relay
        self.on_start = list(on_start)  # after connections open, before consumers start
        self.on_stop = list(on_stop)
        self.readiness_checks = dict(readiness_checks or {})
        # The service's own tables to prune, besides the kit's outbox and inbox.
        self.retention = [*kit_rules(settings), *retention]
        self.engine: AsyncEngine | None = None
        self.sessions: async_sessionmaker[AsyncSession] | None = None
        self.broker = Broker(settings)
        self.redis: Redis | None = None
        self.runners: list[ConsumerRunner] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._tracer_provider: TracerProvider | None = None

    def uow(self) -> UnitOfWork:
        assert self.sessions is not None, "runtime not started"
        return UnitOfWork(self.sessions, notify_channel(self.settings.db_schema))

    async def start(self) -> None:
        s = self.settings
        self._tracer_provider = tracing.setup_tracing(s)
        self.engine = make_engine(s.database_url, schema=s.db_schema, pool_size=s.db_pool_size)
        self.sessions = make_sessionmaker(self.engine)
        if self.uses_redis:
            self.redis = redis_client(s)
        await self.broker.connect()
        for hook in self.on_start:
            await hook()
        if self.run_relay:
            relay = OutboxRelay(s, self.sessions, self.broker)
            self._spawn("outbox-relay", relay.run)
        self._spawn("retention", Pruner(s, self.sessions, self.retention).run)
        self._spawn("dlq-depth", lambda: watch_dlq_depth(self.broker))
        for consumer in self.consumers:
            runner = ConsumerRunner(consumer, self.broker, self.uow)
            await runner.start()
            self.runners.append(runner)
        for job in self.background:
            self._spawn(job.__name__, lambda job=job: job(self))  # type: ignore[misc]
        log.info("service started", port=s.port)

    async def stop(self) -> None:
        for runner in self.runners:
            with contextlib.suppress(Exception):
                await runner.stop()
        await cancel_and_wait(self._tasks)
        self._tasks.clear()
        for hook in self.on_stop:
            with contextlib.suppress(Exception):
                await hook()
        await self.broker.close()
        if self.redis is not None:
            await close_redis(self.redis)
        if self.engine is not None:
            await self.engine.dispose()
        # Last, so that the spans of everything stopped above are exported too.
        provider, self._tracer_provider = self._tracer_provider, None
        with contextlib.suppress(Exception):
            await asyncio.to_thread(tracing.shutdown_tracing, provider)
        log.info("service stopped")

    async def readiness(self) -> dict[str, str]:
        """Each dependency → "ok" or why not."""
        checks: dict[str, str] = {}
        try:
            assert self.engine is not None
            async with self.engine.connect() as conn:
                # A standby (or a primary demoted under us) answers SELECT 1 but refuses writes.
                read_only = await asyncio.wait_for(
                    conn.scalar(text("SHOW transaction_read_only")), timeout=2
                )
            checks["database"] = "read-only" if read_only == "on" else "ok"
        except Exception as exc:
            checks["database"] = f"unreachable: {type(exc).__name__}"
        checks["broker"] = self.broker.state
        if self.uses_redis:
            redis = self.redis
            checks["redis"] = "not started" if redis is None else await writable_master(redis)
        for name, check in self.readiness_checks.items():
            try:
                checks[name] = await asyncio.wait_for(check(self), timeout=2)
            except Exception as exc:
                checks[name] = f"unknown: {type(exc).__name__}"
        return checks

    def _spawn(self, name: str, job: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self._tasks.append(asyncio.create_task(_supervise(name, job), name=name))


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


# A job that ran this long before crashing was healthy, not crash-looping: its next restart waits
# the first delay again. Twice the longest delay, so a loop that dies at once after each restart
# (the database still away) never counts as healthy and its backoff keeps growing.
FIRST_RESTART_DELAY = 1.0
MAX_RESTART_DELAY = 30.0
HEALTHY_RUN = 2 * MAX_RESTART_DELAY


async def _supervise(
    name: str,
    job: Callable[[], Coroutine[Any, Any, None]],
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep,
) -> None:
    """Keep a background loop alive: log a crash, wait, start it again.

    The wait doubles while the job keeps crashing and starts over once it has run for
    `HEALTHY_RUN` seconds, so an outage long past does not slow the recovery from the next one.
    """
    delay = FIRST_RESTART_DELAY
    while True:
        began = clock()
        try:
            await job()
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if clock() - began >= HEALTHY_RUN:
                delay = FIRST_RESTART_DELAY
            log.error("background job crashed; restarting", job=name, error=repr(exc), delay=delay)
            await sleep(delay)
            delay = min(delay * 2, MAX_RESTART_DELAY)
