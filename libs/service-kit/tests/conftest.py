"""The kit's own tables in a private schema of this run's database, and a publishing broker."""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Column, MetaData, Row, Table, Text, Uuid, delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service_kit.broker import Broker
from service_kit.db import UnitOfWork, make_engine, make_sessionmaker
from service_kit.orm_tables import inbox_table, kit_metadata, outbox_table
from service_kit.outbox import notify_channel
from service_kit.settings import ServiceSettings
from service_kit_testing import TestInfra

SCHEMA = "kit_test"

test_metadata = MetaData()

# Deliberately not unique: a handler that took effect twice shows up as two rows.
effects_table = Table(
    "effects",
    test_metadata,
    Column("event_id", Uuid, nullable=False),
    Column("note", Text, nullable=False),
)


@dataclass
class KitDb:
    """The kit-test schema: sessions, units of work and the rows tests look at."""

    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, notify_channel(SCHEMA))

    async def effects(self, event_id: uuid.UUID) -> list[str]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(effects_table.c.note).where(effects_table.c.event_id == event_id)
            )
            return list(rows.scalars())

    async def inbox_count(self, event_id: uuid.UUID) -> int:
        async with self.sessions() as session:
            count = await session.scalar(
                select(func.count()).where(inbox_table.c.event_id == event_id)
            )
            return int(count or 0)

    async def outbox_rows(self, ids: Sequence[uuid.UUID]) -> list[Row[Any]]:
        async with self.sessions() as session:
            rows = await session.execute(select(outbox_table).where(outbox_table.c.id.in_(ids)))
            return list(rows.all())

    async def clear_outbox(self) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(delete(outbox_table))

    @staticmethod
    async def lock_effects(uow: UnitOfWork, event_id: uuid.UUID) -> None:
        """Hold the event's effect rows until the transaction ends (waiting for them if
        another transaction holds them)."""
        await uow.session.execute(
            select(effects_table.c.note)
            .where(effects_table.c.event_id == event_id)
            .with_for_update()
        )

    @staticmethod
    async def record_effect(uow: UnitOfWork, event_id: uuid.UUID, note: str) -> None:
        """What a handler does: one row, in the handler's transaction."""
        await uow.session.execute(insert(effects_table).values(event_id=event_id, note=note))


Eventually = Callable[..., Awaitable[None]]


async def _eventually(
    check: Callable[[], Awaitable[bool] | bool], *, timeout: float = 10.0, what: str = "condition"
) -> None:
    """Poll `check` (sync or async) until it holds; fail after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await _holds(check):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout}s")
        await asyncio.sleep(0.05)


async def _holds(check: Callable[[], Awaitable[bool] | bool]) -> bool:
    result = check()
    return bool(await result if inspect.isawaitable(result) else result)


@pytest.fixture
def eventually() -> Eventually:
    return _eventually


@pytest.fixture(scope="session")
def kit_settings(infra: TestInfra) -> ServiceSettings:
    settings: ServiceSettings = infra.settings(
        ServiceSettings, service_name="kit-test", db_schema=SCHEMA
    )
    return settings


@pytest.fixture(scope="session")
async def kit_db(kit_settings: ServiceSettings) -> AsyncIterator[KitDb]:
    engine = make_engine(kit_settings.database_url, schema=SCHEMA, pool_size=5)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"'))
        # search_path is the schema, so the schema-less tables land in it.
        await conn.run_sync(kit_metadata.create_all)
        await conn.run_sync(test_metadata.create_all)
    try:
        yield KitDb(kit_settings, engine, make_sessionmaker(engine))
    finally:
        await engine.dispose()


@asynccontextmanager
async def connected_broker(settings: ServiceSettings) -> AsyncIterator[Broker]:
    """A broker connection for `settings`, closed when the block ends."""
    broker = Broker(settings)
    await broker.connect()
    try:
        yield broker
    finally:
        await broker.close()


@pytest.fixture(scope="session")
async def broker(kit_settings: ServiceSettings) -> AsyncIterator[Broker]:
    async with connected_broker(kit_settings) as connected:
        yield connected
