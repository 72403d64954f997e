"""The tenants' committed config generations, read with plain asyncpg on a small pool.

This lookup runs on every `GET /tenants/{id}/config` (step 1 in tenant_configs.py, which says
why it is enough), so it skips the ORM session: one autocommit statement, prepared once per
connection, no BEGIN or ROLLBACK, no pre-ping.
"""

from __future__ import annotations

import asyncio
from uuid import UUID

import asyncpg

from tenant_api.settings import TenantApiSettings

_QUERY = "SELECT config_generation FROM tenants WHERE id = $1"


async def _nothing_to_reset(connection: asyncpg.Connection) -> None:
    """These connections only ever run one autocommit SELECT: no session state to reset (the
    pool's default reset is a round trip of its own on every release)."""


class ConfigGenerations:
    """Opened with the service, closed with it; a few connections serve thousands of reads/s."""

    def __init__(self, settings: TenantApiSettings, *, max_connections: int = 4) -> None:
        self._settings = settings
        self._max = max_connections
        self._pool: asyncpg.Pool | None = None
        # Readers take turns in the order they came: the pool's own wait (an asyncio.Queue)
        # lets a newcomer take a connection just freed for a waiting reader, who waits again
        # at the back. Under load some reads waited ten times as long as the median.
        self._turns = asyncio.Semaphore(max_connections)

    async def open(self) -> None:
        s = self._settings
        self._pool = await asyncpg.create_pool(
            s.asyncpg_dsn,
            min_size=1,
            max_size=self._max,
            server_settings={"search_path": s.db_schema, "application_name": s.db_schema},
            reset=_nothing_to_reset,
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def get(self, tenant_id: UUID) -> int | None:
        """The generation committed last for this tenant; None: no such tenant."""
        assert self._pool is not None, "opened when the service starts"
        async with self._turns:
            found: int | None = await self._pool.fetchval(_QUERY, tenant_id)
        return found
