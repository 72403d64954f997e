"""The one place a Redis client is built, closed, and asked whether it can take writes.

`REDIS_URL` alone: a client of that address. With `REDIS_SENTINELS`: a client of whichever node
the sentinels name master for `REDIS_SENTINEL_MASTER`, found again after a failover (a write
answered `READONLY` by a demoted master drops that connection and asks the sentinels anew).
Either way every connection has timeouts (a frozen Redis costs seconds, not the request), is
PINGed before use once idle (a restarted Redis is noticed before a command, not by one), and a
command that meets a broken connection is retried on a new one, a few times, backing off.
"""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.connection import parse_url
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError, TimeoutError

from service_kit.settings import ServiceSettings

# A pooled connection idle longer than this is PINGed before it carries a command.
HEALTH_CHECK_INTERVAL = 5
# Retries after the first try: with these delays a failover or a restart that takes longer is
# reported to the caller (which answers 503 or falls back) rather than waited out in a request.
RETRIES = 3
BACKOFF_BASE = 0.05  # seconds; doubles per failure, with jitter
BACKOFF_CAP = 0.5
ROLE_TIMEOUT = 2.0


def _retry() -> Retry:
    return Retry(ExponentialWithJitterBackoff(cap=BACKOFF_CAP, base=BACKOFF_BASE), RETRIES)


def _connection_options(settings: ServiceSettings) -> dict[str, Any]:
    return {
        "decode_responses": True,
        "socket_timeout": settings.redis_socket_timeout,
        "socket_connect_timeout": settings.redis_socket_timeout,
        "socket_keepalive": True,
        "health_check_interval": HEALTH_CHECK_INTERVAL,
        "retry": _retry(),
        "retry_on_error": [ConnectionError, TimeoutError],
    }


def redis_client(settings: ServiceSettings) -> Redis:
    """A client of the current Redis master, as the settings describe it (no I/O yet)."""
    options = _connection_options(settings)
    if not settings.sentinel_addresses:
        return Redis.from_url(settings.redis_url, **options)
    # The database number, user, password and TLS of REDIS_URL; the address comes from Sentinel.
    parsed: dict[str, Any] = dict(parse_url(settings.redis_url))
    from_url = {k: v for k, v in parsed.items() if k not in ("host", "port")}
    if "connection_class" in from_url:
        from_url.pop("connection_class")
        from_url["ssl"] = True
    password = settings.redis_sentinel_password
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        [(a.host, a.port) for a in settings.sentinel_addresses],
        sentinel_kwargs={
            "socket_timeout": settings.redis_socket_timeout,
            "socket_connect_timeout": settings.redis_socket_timeout,
            "password": password.get_secret_value() if password else None,
        },
    )
    client: Redis = sentinel.master_for(
        settings.redis_sentinel_master, check_connection=True, **from_url, **options
    )
    return client


async def close_redis(client: Redis) -> None:
    """Close the client's connections, and its sentinel connections if it has any."""
    pool = client.connection_pool
    await client.aclose()
    if isinstance(pool, SentinelConnectionPool):
        await pool.sentinel_manager.aclose()


async def writable_master(client: Redis) -> str:
    """ "ok" while the node the client talks to is a master (it takes writes), else why not.

    Under Sentinel a client still connected to a demoted master drops its connections here, so
    that the next command (and the next check) asks the sentinels where the master went.
    """
    try:
        async with asyncio.timeout(ROLE_TIMEOUT):
            role = await client.execute_command("ROLE")  # type: ignore[no-untyped-call]
    except Exception as exc:
        return f"unreachable: {type(exc).__name__}"
    name = str(role[0]) if isinstance(role, list | tuple) and role else "unknown"
    if name == "master":
        return "ok"
    if isinstance(client.connection_pool, SentinelConnectionPool):
        await client.connection_pool.disconnect(inuse_connections=False)
    return "read-only replica" if name in ("slave", "replica") else f"not a master: {name}"
