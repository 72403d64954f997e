"""The hot statements' pool serves waiting callers in the order they came."""

from __future__ import annotations

import asyncio
import uuid

from tenant_api.adapters.autocommit_pool import AutocommitPool
from tenant_api.config.generations import ConfigGenerations
from tenant_api.settings import TenantApiSettings


async def test_lookups_waiting_for_a_connection_are_served_first_come_first_served(
    settings: TenantApiSettings, migrated: None
) -> None:
    # One connection, and a new reader arriving at every turn of the loop while others wait:
    # a newcomer that took the connection ahead of the waiting readers would finish out of order.
    pool = AutocommitPool(settings, max_connections=1)
    await pool.open()
    generations = ConfigGenerations(pool)
    finished: list[int] = []

    async def read(n: int) -> None:
        assert await generations.get(uuid.uuid4()) is None  # no such tenant
        finished.append(n)

    try:
        readers = []
        for n in range(200):
            readers.append(asyncio.create_task(read(n)))
            await asyncio.sleep(0)
        await asyncio.gather(*readers)
    finally:
        await pool.close()
    assert finished == sorted(finished)
