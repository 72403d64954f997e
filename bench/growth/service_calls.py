"""The figures read inside the services, measured by calling the services' own code (their
repositories, the kit's relay) on the run's database: whatever SQL today's code sends is what
is timed, through asyncpg's prepared statements as in the running service."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID, uuid4

import asyncpg
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.growth import plans
from bench.growth.timing import timed
from provisioner.adapters.ledger import Ledger
from provisioner.adapters.unit_of_work import ProvisionerUnitOfWork
from service_kit.broker import Broker
from service_kit.db import make_engine, make_sessionmaker
from service_kit.outbox import notify_channel
from service_kit.relay import OutboxRelay
from service_kit.settings import ServiceSettings
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.pipeline.metrics import refresh_pipelines_gauge
from tenant_api.runtime import Runtime

Call = Callable[[], Awaitable[Any]]


@dataclass(frozen=True)
class Samples:
    """What the calls ask about, chosen once so that both databases answer the same question."""

    pipeline_id: UUID  # a provisioner pipeline that made a key
    role_prefix: str  # the provisioner's TENANT_ROLE_PREFIX


@dataclass(frozen=True)
class Database:
    """One service's view of the run's database: its engine and sessions, and a plain DSN."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    dsn: str
    schema: str

    async def figure(self, call: Call, repeat: int) -> dict[str, Any]:
        """The call timed, then PostgreSQL's own time for the statements one call sends; or,
        where the code no longer has what the call uses, why not (the other figures go on)."""
        try:
            found: dict[str, Any] = dict(await timed(call, repeat))
            with plans.captured(self.engine) as statements:
                await call()
            found.update(await plans.explain(self.dsn, self.schema, statements))
        except (AttributeError, TypeError, SQLAlchemyError, asyncpg.PostgresError) as exc:
            return {"error": repr(exc)}
        return found


@contextlib.asynccontextmanager
async def database(url: str, dsn: str, schema: str) -> AsyncIterator[Database]:
    engine = make_engine(url, schema=schema, pool_size=2)
    try:
        yield Database(engine, make_sessionmaker(engine), dsn, schema)
    finally:
        await engine.dispose()


class _GaugeRuntime:
    """The one part of tenant-api's runtime the gauge's refresh uses."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def uow(self) -> TenantApiUnitOfWork:
        return TenantApiUnitOfWork(self._sessions, notify_channel("tenant_api"))


def _preflight(ledger: Ledger, role_prefix: str) -> Call:
    async def call() -> None:
        # A new tenant's key: the name check finds nothing, as for almost every sign-up.
        await ledger.name_held_by_other(f"{role_prefix}gnew{uuid4().hex[:8]}", uuid4())
        await ledger.count_open("schema")

    return call


def _credentials(sessions: async_sessionmaker[AsyncSession], pipeline_id: UUID) -> Call:
    async def call() -> None:
        async with ProvisionerUnitOfWork(sessions, notify_channel("provisioner")) as uow:
            await uow.api_keys.live_of(pipeline_id)

    return call


def relay_poll(sessions: async_sessionmaker[AsyncSession]) -> Call:
    """One round of the relay with nothing pending: its poll and its backlog gauge. (With rows
    pending it would publish; the harness measures it once the services have drained.)"""
    relay = OutboxRelay(ServiceSettings(), sessions, cast(Broker, None))

    async def call() -> None:
        published, _ = await relay.publish_pending()
        if published:
            raise RuntimeError("the relay poll found rows to publish: not drained")

    return call


async def measure(url: str, dsn: str, samples: Samples, repeat: int) -> dict[str, Any]:
    """Each figure's timings, by figure name."""
    found: dict[str, Any] = {}
    async with (
        database(url, dsn, "provisioner") as provisioner,
        database(url, dsn, "tenant_api") as api,
    ):
        preflight = _preflight(Ledger(provisioner.sessions), samples.role_prefix)
        found["preflight"] = await provisioner.figure(preflight, repeat)
        credentials = _credentials(provisioner.sessions, samples.pipeline_id)
        found["credentials_key"] = await provisioner.figure(credentials, repeat)
        runtime = cast(Runtime, _GaugeRuntime(api.sessions))
        found["pipelines_gauge"] = await api.figure(
            lambda: refresh_pipelines_gauge(runtime), repeat
        )
    return found


async def measure_relay(url: str, dsn: str, schema: str, repeat: int) -> dict[str, Any]:
    async with database(url, dsn, schema) as db:
        return await db.figure(relay_poll(db.sessions), repeat)
