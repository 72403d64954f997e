"""A pooled connection the server has closed is replaced before anyone is handed it."""

from __future__ import annotations

import asyncio

import asyncpg
from sqlalchemy import text

from service_kit.db import make_engine
from service_kit.settings import ServiceSettings


async def test_a_connection_closed_by_the_server_is_not_handed_out(
    kit_settings: ServiceSettings,
) -> None:
    engine = make_engine(kit_settings.database_url, schema="public", pool_size=1)
    admin = await asyncpg.connect(kit_settings.asyncpg_dsn)
    try:
        async with engine.connect() as conn:
            first = await conn.scalar(text("SELECT pg_backend_pid()"))
        # The pooled connection's backend goes away, as in a restart or a failover.
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", first)
        await asyncio.sleep(0.2)  # the termination reaches the idle client

        async with engine.connect() as conn:
            second = await conn.scalar(text("SELECT pg_backend_pid()"))
        assert second != first
        assert engine.pool.checkedout() == 0
    finally:
        await admin.close()
        await engine.dispose()
