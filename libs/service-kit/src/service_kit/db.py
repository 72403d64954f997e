"""Async engine, sessions and the unit of work that owns a transaction."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import ColumnElement, event, literal_column
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from service_kit.db_outage import connect_or_unreachable
from service_kit.db_pooling import Pooling, engine_connect_args
from service_kit.outbox import Outbox


def make_engine(
    database_url: str, *, schema: str, pool_size: int = 10, pooling: Pooling = "direct"
) -> AsyncEngine:
    """An engine whose connections resolve unqualified names in the service's own schema
    (through a transaction-mode pooler: see `service_kit.db_pooling`)."""
    engine = create_async_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=pool_size,
        connect_args=engine_connect_args(schema, pooling),
    )
    event.listen(engine.sync_engine, "checkout", _refuse_closed)
    event.listen(engine.sync_engine, "do_connect", connect_or_unreachable)
    return engine


def _refuse_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Hand out no connection the server has closed (a restart, a terminated backend).

    asyncpg sees the close as it happens, so this costs no round trip; pre-ping's BEGIN, `;`,
    ROLLBACK cost three on every checkout. The pool replaces a refused connection with a new one.
    A connection that dies mid-transaction still fails that transaction, and SQLAlchemy then
    renews the whole pool.
    """
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this connection")


def constant(value: str) -> ColumnElement[str]:
    """A string written into the SQL as a constant instead of a parameter, for a predicate that
    a partial index names (`status = 'VERIFIED'`). With a parameter there, PostgreSQL cannot
    prove that a cached (generic) plan may use the index: it plans every execution again, or
    caches a plan that scans the whole table. Only for the code's own constants (statuses)."""
    if "'" in value or "\\" in value:
        raise ValueError(f"not a plain constant: {value!r}")
    return literal_column(f"'{value}'")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


class UnitOfWork:
    """One transaction: the state change and the outbox rows commit together or not at all.

    Handlers never commit; the boundary that opened the unit of work does. A service subclasses
    it to add its repositories (`uow.tenants`), built on `session` in `__aenter__`; the runtime
    is given that class and hands its instances to routes and consumers alike.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], outbox_channel: str) -> None:
        self._sessions = sessions
        self._outbox_channel = outbox_channel
        self.session: AsyncSession
        self.outbox: Outbox
        self._after_commit: list[Callable[[], None]] = []

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self.outbox = Outbox(self.session, self._outbox_channel)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once this unit of work has committed (e.g. observe a metric)."""
        self._after_commit.append(callback)

    async def rollback(self) -> None:
        await self.session.rollback()
        self._after_commit.clear()


UowT = TypeVar("UowT", bound=UnitOfWork)
