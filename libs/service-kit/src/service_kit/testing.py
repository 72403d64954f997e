"""pytest plugin (loaded with `-p service_kit.testing`): isolated infrastructure for a test run.

Each run gets its own database (created, then dropped), its own exchange and queue prefix
(idle queues expire), and its own Redis key prefix, so a test run never disturbs `make run`.
Service URLs come from TEST_DATABASE_URL / TEST_RABBITMQ_URL / TEST_REDIS_URL, else the local
defaults; only when none is set, the default is unreachable and a Docker engine is present,
testcontainers starts throwaway servers.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import make_url

from service_kit.migrations import drop_database, ensure_database
from service_kit.settings import ServiceSettings

_DEFAULTS = ServiceSettings()


@dataclass(frozen=True)
class TestInfra:
    """Where this test run's infrastructure lives, as environment variables for services."""

    run_id: str
    database_url: str
    rabbitmq_url: str
    redis_url: str

    @property
    def env(self) -> dict[str, str]:
        return {
            "ENVIRONMENT": "test",
            "DATABASE_URL": self.database_url,
            "RABBITMQ_URL": self.rabbitmq_url,
            "REDIS_URL": self.redis_url,
            "EVENTS_EXCHANGE": f"cp-test-{self.run_id}.events",
            "QUEUE_PREFIX": f"cp-test-{self.run_id}.",
            "QUEUE_EXPIRES_MS": "300000",
            "REDIS_KEY_PREFIX": f"cp-test-{self.run_id}:",
            "RETRY_DELAYS": "0.2,0.5",
            "OUTBOX_POLL_INTERVAL": "0.5",
        }

    def settings(self, cls: type[ServiceSettings], **overrides: Any) -> Any:
        """Build a service's settings pointed at this run's infrastructure."""
        values: dict[str, Any] = {k.lower(): v for k, v in self.env.items()}
        values.update(overrides)
        return cls(**values)


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
    from testcontainers.postgres import PostgresContainer  # type: ignore[import-not-found]
    from testcontainers.rabbitmq import RabbitMqContainer  # type: ignore[import-not-found]
    from testcontainers.redis import RedisContainer  # type: ignore[import-not-found]

    pg = stack.enter_context(PostgresContainer("postgres:16-alpine", driver="asyncpg"))
    mq = stack.enter_context(RabbitMqContainer("rabbitmq:3.13-alpine"))
    rd = stack.enter_context(RedisContainer("redis:7-alpine"))
    amqp = f"amqp://guest:guest@{mq.get_container_host_ip()}:{mq.get_exposed_port(5672)}/"
    redis = f"redis://{rd.get_container_host_ip()}:{rd.get_exposed_port(6379)}/0"
    return pg.get_connection_url(), amqp, redis


@pytest.fixture(scope="session")
def infra() -> Iterator[TestInfra]:
    run_id = uuid.uuid4().hex[:10]
    db = os.environ.get("TEST_DATABASE_URL")
    mq = os.environ.get("TEST_RABBITMQ_URL")
    rd = os.environ.get("TEST_REDIS_URL")
    with ExitStack() as stack:
        nothing_configured = not (db or mq or rd)
        local_down = not _reachable(_DEFAULTS.database_url, 5432)
        if nothing_configured and local_down and _docker_engine():
            db, mq, rd = _containers(stack)
        base = make_url(db or _DEFAULTS.database_url)
        database_url = base.set(database=f"cp_test_{run_id}").render_as_string(hide_password=False)
        asyncio.run(ensure_database(database_url))
        stack.callback(lambda: asyncio.run(drop_database(database_url)))
        yield TestInfra(
            run_id=run_id,
            database_url=database_url,
            rabbitmq_url=mq or _DEFAULTS.rabbitmq_url.get_secret_value(),
            redis_url=rd or _DEFAULTS.redis_url,
        )
