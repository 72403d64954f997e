"""Which servers a test run uses: the configured ones, else the local defaults, else (only when
nothing is configured, the local ones are down and a Docker engine is present) throwaway
containers started by testcontainers."""

from __future__ import annotations

import os
import shutil
import socket
from contextlib import ExitStack
from urllib.parse import urlsplit

from service_kit.settings import ServiceSettings

DEFAULTS = ServiceSettings()

Servers = tuple[str | None, str | None, str | None]
"""Database, broker and Redis URLs; `None` where the default stands."""


def configured_servers() -> Servers:
    """TEST_DATABASE_URL / TEST_RABBITMQ_URL / TEST_REDIS_URL, as far as they are set."""
    return (
        os.environ.get("TEST_DATABASE_URL"),
        os.environ.get("TEST_RABBITMQ_URL"),
        os.environ.get("TEST_REDIS_URL"),
    )


def discover_servers(stack: ExitStack, servers: Servers | None = None) -> Servers:
    """`servers`, or the configured ones; containers (closed with `stack`) where nothing is
    configured, the local database is unreachable and Docker runs."""
    db, mq, rd = servers or configured_servers()
    nothing_configured = not (db or mq or rd)
    if nothing_configured and not _reachable(DEFAULTS.database_url, 5432) and _docker_engine():
        return _containers(stack)
    return db, mq, rd


def unreachable_servers(servers: Servers | None = None) -> list[str]:
    """Lines naming each server a run would use that does not accept a connection; empty when
    all answer, or when throwaway containers will stand in for them."""
    db, mq, rd = servers or configured_servers()
    if not (db or mq or rd) and _docker_engine():
        return []  # `discover_servers` starts containers for whatever is down
    wanted = (
        ("PostgreSQL", "TEST_DATABASE_URL", db or DEFAULTS.database_url, 5432),
        ("RabbitMQ", "TEST_RABBITMQ_URL", mq or DEFAULTS.rabbitmq_url.get_secret_value(), 5672),
        ("Redis", "TEST_REDIS_URL", rd or DEFAULTS.redis_url, 6379),
    )
    return [
        f"{name} at {_where(url, port)} ({variable} to use another)"
        for name, variable, url, port in wanted
        if not _reachable(url, port)
    ]


def _where(url: str, default_port: int) -> str:
    parts = urlsplit(url.replace("+asyncpg", ""))
    return f"{parts.hostname or '127.0.0.1'}:{parts.port or default_port}"


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url.replace("+asyncpg", ""))
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def _docker_engine() -> bool:
    return shutil.which("docker") is not None and os.path.exists("/var/run/docker.sock")


def _containers(stack: ExitStack) -> tuple[str, str, str]:
    """Throwaway servers via testcontainers (only used where nothing else is available)."""
    import warnings

    with warnings.catch_warnings():
        # The library's own deprecations must not fail a run that merely needs servers.
        warnings.simplefilter("ignore", DeprecationWarning)
        from testcontainers.community.postgres import PostgresContainer
        from testcontainers.community.rabbitmq import RabbitMqContainer
        from testcontainers.community.redis import RedisContainer

        pg = stack.enter_context(PostgresContainer("postgres:16-alpine", driver="asyncpg"))
        mq = stack.enter_context(RabbitMqContainer("rabbitmq:3.13-alpine"))
        rd = stack.enter_context(RedisContainer("redis:7-alpine"))
    amqp = f"amqp://guest:guest@{mq.get_container_host_ip()}:{mq.get_exposed_port(5672)}/"
    redis = f"redis://{rd.get_container_host_ip()}:{rd.get_exposed_port(6379)}/0"
    return pg.get_connection_url(), amqp, redis
