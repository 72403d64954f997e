"""The gateway's small plain-asyncpg pool for the statements every hot request runs: the config
read's generation lookup (config/generations.py) and API key verification
(api_keys/verification.py).

Each such request runs one autocommit statement, so it skips the ORM session: no BEGIN or
ROLLBACK, no pre-ping, statements prepared once per connection (through a transaction-mode
pooler, parsed on every execution instead: `service_kit.db_pooling`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from service_kit.db_pooling import asyncpg_connect_args
from tenant_api.settings import TenantApiSettings


async def _nothing_to_reset(connection: asyncpg.Connection) -> None:
    """These connections only ever run single autocommit statements: no session state to reset
    (the pool's default reset is a round trip of its own on every release)."""


class AutocommitPool:
    """Opened with the service, closed with it; a few connections serve thousands of reads/s."""

    def __init__(self, settings: TenantApiSettings, *, max_connections: int = 4) -> None:
        self._settings = settings
        self._max = max_connections
        self._pool: asyncpg.Pool | None = None
        # Callers take turns in the order they came: the pool's own wait (an asyncio.Queue)
        # lets a newcomer take a connection just freed for a waiting caller, who waits again
        # at the back. Under load some reads waited ten times as long as the median.
        self._turns = asyncio.Semaphore(max_connections)

    async def open(self) -> None:
        s = self._settings
        self._pool = await asyncpg.create_pool(
            s.asyncpg_dsn,
            min_size=1,
            max_size=self._max,
            reset=_nothing_to_reset,
            **asyncpg_connect_args(s.db_schema, s.database_pooling),
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def fetchval(self, query: str, *args: Any) -> Any:
        async with self._turns:
            return await self._opened().fetchval(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        async with self._turns:
            row: asyncpg.Record | None = await self._opened().fetchrow(query, *args)
        return row

    async def execute(self, query: str, *args: Any) -> str:
        """The statement's status (`UPDATE 1`)."""
        async with self._turns:
            status: str = await self._opened().execute(query, *args)
        return status

    def _opened(self) -> asyncpg.Pool:
        assert self._pool is not None, "opened when the service starts"
        return self._pool
