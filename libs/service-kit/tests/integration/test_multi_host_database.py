"""A multi-host DATABASE_URL whose first host is dead: every kind of connection the services
open reaches the live one (SQLAlchemy engine, plain asyncpg pool, LISTEN connection)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from service_kit.db import make_engine
from service_kit.migrations import ensure_database
from service_kit.settings import ServiceSettings


@pytest.fixture
def dead_port() -> Iterator[int]:
    # Bound but never listening: a connection to it is refused at once, and no one else gets it.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


def multi_host_url(live: str, dead_port: int, *, drivername: str) -> str:
    url = make_url(live)
    host, port = url.host or "127.0.0.1", url.port or 5432
    query = f"host=127.0.0.1,{host}&port={dead_port},{port}&target_session_attrs=read-write"
    base = url._replace(drivername=drivername, host=None, port=None, query={})
    return f"{base.render_as_string(hide_password=False)}?{query}"


async def test_engine_pool_and_listen_skip_a_dead_first_host(
    kit_settings: ServiceSettings, dead_port: int
) -> None:
    live_port = make_url(kit_settings.database_url).port or 5432
    url = multi_host_url(kit_settings.database_url, dead_port, drivername="postgresql+asyncpg")
    settings = kit_settings.model_copy(update={"database_url": url})

    engine = make_engine(settings.database_url, schema="public", pool_size=1)
    pool = await asyncpg.create_pool(settings.asyncpg_dsn, min_size=1, max_size=1)
    listener = await asyncpg.connect(settings.asyncpg_dsn)
    heard: asyncio.Queue[str] = asyncio.Queue()
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT inet_server_port()")) == live_port
        assert await pool.fetchval("SELECT inet_server_port()") == live_port
        assert await listener.fetchval("SELECT inet_server_port()") == live_port

        await listener.add_listener("multi_host_test", lambda *args: heard.put_nowait(args[3]))
        async with engine.begin() as conn:
            await conn.execute(text("SELECT pg_notify('multi_host_test', 'through the pool')"))
        assert await asyncio.wait_for(heard.get(), timeout=5) == "through the pool"
    finally:
        await listener.close()
        await pool.close()
        await engine.dispose()


async def test_a_plain_multi_host_dsn_creates_and_reaches_its_database(
    kit_settings: ServiceSettings, dead_port: int
) -> None:
    # TENANT_DATA_DSN's path: the database is created through the live host, then pooled.
    url = multi_host_url(kit_settings.database_url, dead_port, drivername="postgresql")
    url = url.replace(f"/{make_url(kit_settings.database_url).database}?", "/cp_multi_host_dsn?")
    await ensure_database(url)
    pool = await asyncpg.create_pool(
        ServiceSettings(database_url=url).asyncpg_dsn, min_size=1, max_size=1
    )
    try:
        assert await pool.fetchval("SELECT current_database()") == "cp_multi_host_dsn"
    finally:
        await pool.close()
        admin = await asyncpg.connect(kit_settings.asyncpg_dsn)
        try:
            await admin.execute('DROP DATABASE IF EXISTS "cp_multi_host_dsn" WITH (FORCE)')
        finally:
            await admin.close()
