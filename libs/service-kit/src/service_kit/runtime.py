"""Everything a service holds open while it runs, built in the lifespan and closed there."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import structlog
from opentelemetry.sdk.trace import TracerProvider
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service_kit import tracing
from service_kit.broker import Broker
from service_kit.consumer import Consumer, ConsumerRunner
from service_kit.db import UnitOfWork, UowT, make_engine, make_sessionmaker
from service_kit.db_pooling import check_lands_in_schema
from service_kit.dlq_depth import watch_dlq_depth
from service_kit.outbox import notify_channel
from service_kit.redis_client import close_redis, redis_client, writable_master
from service_kit.relay import OutboxRelay
from service_kit.retention import Pruner, RetentionRule, kit_rules
from service_kit.settings import ServiceSettings
from service_kit.supervision import supervise
from service_kit.tasks import cancel_and_wait

log = structlog.get_logger(__name__)

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)
DepsT = TypeVar("DepsT")

# A loop the runtime keeps running (and restarts when it crashes) until the service stops.
BackgroundJob = Callable[[], Coroutine[Any, Any, None]]
# A service's own readiness check: "ok", or why not (then /readyz answers 503).
ReadinessCheck = Callable[[], Coroutine[Any, Any, str]]
Closer = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Wiring(Generic[DepsT, UowT]):
    """What a service adds to the kit's runtime, built by its `assemble` once the engine, the
    broker and Redis are open: its dependencies (what routes and jobs use), its consumers, its
    background loops, its own readiness checks, the tables it prunes and what to close at stop."""

    deps: DepsT
    consumers: Sequence[Consumer[UowT]] = ()
    background: Mapping[str, BackgroundJob] = field(default_factory=dict)
    readiness: Mapping[str, ReadinessCheck] = field(default_factory=dict)
    retention: Sequence[RetentionRule] = ()
    close: Sequence[Closer] = ()  # closed in reverse order, after the consumers and jobs stop


# Builds a service's wiring from its started runtime (connections open, consumers not started).
Assemble = Callable[["ServiceRuntime[SettingsT, DepsT, UowT]"], Awaitable[Wiring[DepsT, UowT]]]


class ServiceRuntime(Generic[SettingsT, DepsT, UowT]):
    """Engine, broker, Redis, the outbox relay, the retention job, and the service's own
    dependencies, consumers and jobs (its `Wiring`), for one service process.

    Every service is wired the same way: `ServiceRuntime(settings, assemble, unit_of_work=...)`
    in its `create_app`; `assemble` runs in the lifespan, after the connections open, and its
    `deps` are what the service's routes reach through the request (`runtime.deps`).
    """

    def __init__(
        self,
        settings: SettingsT,
        assemble: Assemble[SettingsT, DepsT, UowT],
        *,
        unit_of_work: Callable[[async_sessionmaker[AsyncSession], str], UowT],
        uses_redis: bool = False,
        run_relay: bool = True,
    ) -> None:
        self.settings = settings
        self._assemble = assemble
        self._unit_of_work = unit_of_work
        self.uses_redis = uses_redis
        self.run_relay = run_relay
        self._wiring: Wiring[DepsT, UowT] | None = None
        self._engine: AsyncEngine | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self.broker = Broker(settings)
        self._redis: Redis | None = None
        self.runners: list[ConsumerRunner[UowT]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._tracer_provider: TracerProvider | None = None

    @property
    def deps(self) -> DepsT:
        return self._started().deps

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("the service runtime has not started")
        return self._engine

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        if self._sessions is None:
            raise RuntimeError("the service runtime has not started")
        return self._sessions

    @property
    def redis(self) -> Redis:
        if self._redis is None:
            raise RuntimeError("this service runs without Redis, or has not started")
        return self._redis

    def uow(self) -> UowT:
        return self._unit_of_work(self.sessions, notify_channel(self.settings.db_schema))

    def _started(self) -> Wiring[DepsT, UowT]:
        if self._wiring is None:
            raise RuntimeError("the service runtime has not started")
        return self._wiring

    async def start(self) -> None:
        s = self.settings
        self._tracer_provider = tracing.setup_tracing(s)
        self._engine = make_engine(
            s.database_url,
            schema=s.db_schema,
            pool_size=s.db_pool_size,
            pooling=s.database_pooling,
        )
        if s.database_pooling == "transaction":
            await check_lands_in_schema(self._engine, s.db_schema)
        self._sessions = make_sessionmaker(self._engine)
        if self.uses_redis:
            self._redis = redis_client(s)
        await self.broker.connect()
        wiring = self._wiring = await self._assemble(self)
        if self.run_relay:
            relay = OutboxRelay(s, self._sessions, self.broker)
            self._spawn("outbox-relay", relay.run)
        rules = [*kit_rules(s), *wiring.retention]
        self._spawn("retention", Pruner(s, self._sessions, rules).run)
        self._spawn("dlq-depth", lambda: watch_dlq_depth(self.broker))
        for consumer in wiring.consumers:
            runner = ConsumerRunner(consumer, self.broker, self.uow)
            await runner.start()
            self.runners.append(runner)
        for name, job in wiring.background.items():
            self._spawn(name, job)
        log.info("service started", port=s.port)

    async def stop(self) -> None:
        for runner in self.runners:
            with contextlib.suppress(Exception):
                await runner.stop()
        await cancel_and_wait(self._tasks)
        self._tasks.clear()
        if self._wiring is not None:
            for close in reversed(self._wiring.close):
                with contextlib.suppress(Exception):
                    await close()
        await self.broker.close()
        if self._redis is not None:
            await close_redis(self._redis)
        if self._engine is not None:
            await self._engine.dispose()
        # Last, so that the spans of everything stopped above are exported too.
        provider, self._tracer_provider = self._tracer_provider, None
        with contextlib.suppress(Exception):
            await asyncio.to_thread(tracing.shutdown_tracing, provider)
        log.info("service stopped")

    async def readiness(self) -> dict[str, str]:
        """Each dependency → "ok" or why not."""
        checks: dict[str, str] = {}
        try:
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
            redis = self._redis
            checks["redis"] = "not started" if redis is None else await writable_master(redis)
        own = self._wiring.readiness if self._wiring is not None else {}
        for name, check in own.items():
            try:
                checks[name] = await asyncio.wait_for(check(), timeout=2)
            except Exception as exc:
                checks[name] = f"unknown: {type(exc).__name__}"
        return checks

    def _spawn(self, name: str, job: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self._tasks.append(asyncio.create_task(supervise(name, job), name=name))


KitRuntime = ServiceRuntime[ServiceSettings, None, UnitOfWork]


def kit_runtime(
    settings: ServiceSettings,
    consumers: Sequence[Consumer[UnitOfWork]] = (),
    *,
    uses_redis: bool = False,
    run_relay: bool = True,
) -> KitRuntime:
    """A runtime with only the kit's parts (and `consumers`): for the kit's own uses and tests."""

    async def assemble(_runtime: KitRuntime) -> Wiring[None, UnitOfWork]:
        return Wiring(deps=None, consumers=consumers)

    return ServiceRuntime(
        settings, assemble, unit_of_work=UnitOfWork, uses_redis=uses_redis, run_relay=run_relay
    )
