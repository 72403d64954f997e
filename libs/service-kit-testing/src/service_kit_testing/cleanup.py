"""Removing what a test run left on shared servers: its databases and roles, keys, exchange."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from service_kit.migrations import drop_database


async def drop_tenant_data(dsn: str, role_prefix: str) -> None:
    """Drop the tenant-data database and every (cluster-wide) role named with `role_prefix`."""
    import asyncpg

    await drop_database(dsn)
    admin = make_url(dsn).set(database="postgres").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin)
    try:
        roles = await conn.fetch(
            "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)", role_prefix
        )
        for role in roles:
            await conn.execute(f'DROP ROLE IF EXISTS "{role["rolname"]}"')
    finally:
        await conn.close()


def delete_redis_keys(redis_url: str, pattern: str) -> None:
    from redis import Redis

    with Redis.from_url(redis_url) as client:
        batch: list[bytes] = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) == 1000:
                client.delete(*batch)
                batch.clear()
        if batch:
            client.delete(*batch)


async def delete_exchange(rabbitmq_url: str, name: str) -> None:
    import aio_pika

    connection = await aio_pika.connect(rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        await channel.exchange_delete(name)
