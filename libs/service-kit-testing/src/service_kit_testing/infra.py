"""A test run's own infrastructure: its database, exchange, queue prefix and Redis key prefix.

Each run gets its own database (created, then dropped), its own exchange and queue prefix
(idle queues expire), and its own Redis key prefix (its keys deleted at the end), so a test run
never disturbs `make run`. Which servers it runs on: `service_kit_testing.servers`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import make_url

from service_kit.migrations import drop_database, ensure_database
from service_kit.settings import ServiceSettings
from service_kit_testing.cleanup import delete_exchange, delete_redis_keys, drop_tenant_data
from service_kit_testing.servers import DEFAULTS, discover_servers


@dataclass(frozen=True)
class TestInfra:
    """Where this test run's infrastructure lives, as environment variables for services."""

    __test__ = False  # not a test class, whatever its name

    run_id: str
    database_url: str
    rabbitmq_url: str
    redis_url: str
    tenant_data_dsn: str = ""
    # Laid over `env` last: a clustered stack's node lists (RABBITMQ_URLS, REDIS_SENTINELS).
    extra_env: Mapping[str, str] = field(default_factory=dict)

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
            "TENANT_DATA_DSN": self.tenant_data_dsn,
            "TENANT_ROLE_PREFIX": f"t{self.run_id}_",
            "PROVISIONER_FAULTS_ENABLED": "true",
            **self.extra_env,
        }

    def redis_master_url(self) -> str:
        """`redis_url`, or with REDIS_SENTINELS in `env`, the master the sentinels name now."""
        sentinels = self.env.get("REDIS_SENTINELS")
        if not sentinels:
            return self.redis_url
        from redis import Redis, RedisError

        from service_kit.sentinels import parse_sentinels

        for address in parse_sentinels(sentinels):
            try:
                with Redis(host=address.host, port=address.port, socket_timeout=2) as sentinel:
                    found = sentinel.execute_command(
                        "SENTINEL", "get-master-addr-by-name", self.env["REDIS_SENTINEL_MASTER"]
                    )
            except RedisError:
                continue
            if found:
                host, port = (part.decode() for part in found)
                return f"redis://{host}:{port}/0"
        raise RuntimeError(f"no sentinel of {sentinels} names a master")

    def redis_prefix(self, label: str) -> str:
        """A Redis key prefix of one test's own, inside the run's (so removed with the run's)."""
        return f"cp-test-{self.run_id}:{label}-{uuid.uuid4().hex[:8]}:"

    def settings(self, cls: type[ServiceSettings], **overrides: Any) -> Any:
        """Build a service's settings pointed at this run's infrastructure."""
        values: dict[str, Any] = {k.lower(): v for k, v in self.env.items()}
        values.update(overrides)
        return cls(**values)


@contextmanager
def isolated_infra(
    run_id: str,
    servers: tuple[str, str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[TestInfra]:
    """A database, tenant-data database, exchange, queue prefix, role prefix and Redis key
    prefix named after `run_id`, on `servers` (database, broker and Redis URLs) or the
    configured (or local, or throwaway) ones; all removed when the block ends. The `infra`
    fixture and `make chaos` both run on one."""
    with ExitStack() as stack:
        db, mq, rd = discover_servers(stack, servers)
        base = make_url(db or DEFAULTS.database_url)
        database_url = base.set(database=f"cp_test_{run_id}").render_as_string(hide_password=False)
        asyncio.run(ensure_database(database_url))
        stack.callback(lambda: asyncio.run(drop_database(database_url)))
        # Tenants' own data (silo schemas, pooled rows) goes to a database of its own; the
        # provisioner creates it. Roles are cluster-wide, so they carry the run's prefix.
        tenant_data = base.set(drivername="postgresql", database=f"cp_test_{run_id}_tenants")
        tenant_data_dsn = tenant_data.render_as_string(hide_password=False)
        stack.callback(lambda: asyncio.run(drop_tenant_data(tenant_data_dsn, f"t{run_id}_")))
        infra = TestInfra(
            run_id=run_id,
            database_url=database_url,
            rabbitmq_url=mq or DEFAULTS.rabbitmq_url.get_secret_value(),
            redis_url=rd or DEFAULTS.redis_url,
            tenant_data_dsn=tenant_data_dsn,
            extra_env=dict(extra_env or {}),
        )
        # Queues expire on their own (QUEUE_EXPIRES_MS); the exchange is removed here.
        stack.callback(
            lambda: asyncio.run(delete_exchange(infra.rabbitmq_url, infra.env["EVENTS_EXCHANGE"]))
        )
        # Every key of the run: its own prefix and those tests derive from it (`…-vault:`).
        stack.callback(lambda: delete_redis_keys(infra.redis_master_url(), f"cp-test-{run_id}*"))
        yield infra
