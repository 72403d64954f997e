"""The five services, three replicas each, behind PgBouncer in transaction mode
(DATABASE_POOLING=transaction): the database sees the pooler's few server connections and one
direct LISTEN connection per replica, not each replica's pools; the relays still wake on NOTIFY;
the saga completes with statements that are never prepared under a name.

Each service logs in as a role of its own whose `search_path` is its schema (how the services
find their tables through the pooler), on a database of this module's own. The replicas are
in-process runtimes, each with its real engine, pools, relay and consumers: fifteen service
processes cost this suite's two cores a minute and a half to start, these a few seconds.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from lead_verifier.app import create_app as lead_verifier_app
from lead_verifier.settings import LeadVerifierSettings
from notifier.app import create_app as notifier_app
from notifier.settings import NotifierSettings
from provisioner.app import create_app as provisioner_app
from provisioner.settings import ProvisionerSettings
from service_kit.db_pooling import SchemaNotReached
from service_kit.migrations import drop_database, ensure_database, upgrade
from service_kit.runtime import kit_runtime
from service_kit.settings import ServiceSettings
from service_kit_testing import TestInfra, asgi_client, delete_exchange, served, started
from service_kit_testing.pgbouncer import PgBouncer, pgbouncer
from tenant_api.app import create_app as tenant_api_app
from tenant_api.settings import TenantApiSettings
from webhook_receiver.app import create_app as webhook_receiver_app
from webhook_receiver.settings import WebhookReceiverSettings

from .polling import eventually
from .saga_client import admin_headers, new_tenant, provision, settle

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
APPS: dict[str, tuple[type[ServiceSettings], Callable[[Any], Any]]] = {
    "tenant-api": (TenantApiSettings, tenant_api_app),
    "lead-verifier": (LeadVerifierSettings, lead_verifier_app),
    "provisioner": (ProvisionerSettings, provisioner_app),
    "webhook-receiver": (WebhookReceiverSettings, webhook_receiver_app),
    "notifier": (NotifierSettings, notifier_app),
}
SERVICES = tuple(APPS)
REPLICAS = 3  # of every service, each a whole replica (as one of PROCESSES' workers is)
DB_POOL_SIZE = 10  # the default: what each replica's engine may open (twice, with overflow)
PROVISIONER_WORKERS = 1
# PgBouncer's default_pool_size: server connections per role. The provisioner's step engine
# holds its pipeline's transaction while the ledger commits in one of its own, so its role
# needs one more connection than the engines that may run at once (docs/operations.md).
POOL_SIZE = REPLICAS * PROVISIONER_WORKERS + 1
POLL_INTERVAL = 60  # the relays' polling; only a NOTIFY wakes them sooner


def package(service: str) -> str:
    return service.replace("-", "_")  # also the service's schema (DB_SCHEMA's default)


@dataclass
class PooledStack:
    gateways: list[httpx.AsyncClient]  # one per tenant-api replica, in-process
    database: str
    admin_dsn: str  # a superuser's connection to the `postgres` database, outside the budget
    bouncer: PgBouncer
    direct: dict[str, str] = field(default_factory=dict)  # service → its direct URL

    async def backends(self) -> tuple[int, int]:
        """(LISTEN connections, all other sessions) the server holds for the database."""
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            row = await conn.fetchrow(
                "SELECT count(*) FILTER (WHERE query LIKE 'LISTEN %') AS listening,"
                " count(*) FILTER (WHERE query IS NULL OR query NOT LIKE 'LISTEN %') AS other"
                " FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'"
                " AND usename <> current_user",  # not this test's own look at the outbox
                self.database,
            )
        finally:
            await conn.close()
        assert row is not None
        return row["listening"], row["other"]

    async def unpublished(self, schema: str) -> int:
        conn = await asyncpg.connect(self.admin_dsn, database=self.database)
        try:
            count: int = await conn.fetchval(
                f"SELECT count(*) FROM {schema}.outbox WHERE published_at IS NULL"  # noqa: S608
            )
        finally:
            await conn.close()
        return count


async def _sql(dsn: str, *statements: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _roles(run_id: str) -> dict[str, str]:
    return {service: f"pgb_{run_id}_{package(service)}" for service in SERVICES}


@pytest.fixture(scope="module")
async def pooled_stack(
    infra: TestInfra, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[PooledStack]:
    base = make_url(infra.database_url)
    host, port = base.host or "127.0.0.1", base.port or 5432
    database = f"cp_test_{infra.run_id}_pgb"
    admin = base.set(drivername="postgresql", database="postgres")
    admin_dsn = admin.render_as_string(hide_password=False)
    db_dsn = admin.set(database=database).render_as_string(hide_password=False)
    roles = _roles(infra.run_id)
    no_path_role = f"pgb_{infra.run_id}_nopath"
    every_role = [*roles.values(), no_path_role]
    exchange = f"cp-test-{infra.run_id}.pgb.events"
    async with AsyncExitStack() as cleanup:
        await ensure_database(db_dsn)
        cleanup.push_async_callback(
            _sql, admin_dsn, *(f'DROP ROLE IF EXISTS "{r}"' for r in every_role)
        )
        cleanup.push_async_callback(drop_database, db_dsn)
        setup = [f'CREATE ROLE "{no_path_role}" LOGIN']
        for service, role in roles.items():
            schema = package(service)
            setup += [
                f'CREATE ROLE "{role}" LOGIN',
                f'GRANT CONNECT, CREATE ON DATABASE "{database}" TO "{role}"',
                f'ALTER ROLE "{role}" IN DATABASE "{database}" SET search_path = "{schema}"',
            ]
        await _sql(admin_dsn, *setup)
        bouncer = cleanup.enter_context(
            pgbouncer(host, port, every_role, default_pool_size=POOL_SIZE)
        )
        direct = {
            s: base.set(username=r, password=None, database=database).render_as_string(
                hide_password=False
            )
            for s, r in roles.items()
        }
        # Each service's migrations as its own role, straight to the server (as its
        # DATABASE_DIRECT_URL): its schema and tables are its own.
        for s in SERVICES:
            await asyncio.to_thread(upgrade, ROOT / "services" / s, direct[s])
        cleanup.push_async_callback(delete_exchange, infra.rabbitmq_url, exchange)
        # The provisioner's pipeline driver calls the webhook-receiver back over HTTP.
        callback = socket.socket()
        callback.bind(("127.0.0.1", 0))
        callback_port = callback.getsockname()[1]
        common = {
            "database_pooling": "transaction",
            "events_exchange": exchange,
            "queue_prefix": f"cp-test-{infra.run_id}.pgb.",
            # The broker is shared and short of file handles: this module's queues go soon
            # after its consumers stop (and not before the test ends: it takes seconds).
            "queue_expires_ms": 30_000,
            # Fifteen runtimes connect to a broker other suites share: some patience (the
            # connection attempt's bound, and each publish's).
            "publish_timeout": 15,
            "outbox_poll_interval": POLL_INTERVAL,
            "db_pool_size": DB_POOL_SIZE,
            "webhook_callback_url": f"http://127.0.0.1:{callback_port}/webhooks/provisioning",
            "mail_dir": str(tmp_path_factory.mktemp("pgb-mail")),
            "auth_api_max_requests": 1_000_000,
            "provisioner_workers": PROVISIONER_WORKERS,
        }
        gateways = []
        for s in SERVICES:
            cls, create_app = APPS[s]
            for replica in range(REPLICAS):
                settings = infra.settings(
                    cls,
                    **common,
                    database_url=bouncer.url(roles[s], database),
                    database_direct_url=direct[s],
                )
                app = create_app(settings)
                if s == "webhook-receiver" and replica == 0:
                    await cleanup.enter_async_context(served(app, listener=callback))
                    continue
                await cleanup.enter_async_context(started(app))
                if s == "tenant-api":
                    gateway = await cleanup.enter_async_context(asgi_client(app, "gateway"))
                    gateway.headers.update(admin_headers(infra))
                    gateways.append(gateway)
        stack = PooledStack(
            gateways=gateways,
            database=database,
            admin_dsn=admin_dsn,
            bouncer=bouncer,
            direct=direct,
        )

        async def all_replicas_listening() -> bool:
            listening, _ = await stack.backends()
            return listening == REPLICAS * len(SERVICES)

        # Every replica's relay has its LISTEN open (the relays start it in the background).
        await eventually(all_replicas_listening, what="every replica listening", timeout=20)
        yield stack


async def test_the_stack_works_through_the_pooler_within_its_connection_budget(
    pooled_stack: PooledStack,
) -> None:
    stack = pooled_stack
    peak = {"listening": 0, "other": 0}
    done = asyncio.Event()

    async def sample() -> None:
        while not done.is_set():
            listening, other = await stack.backends()
            peak["listening"] = max(peak["listening"], listening)
            peak["other"] = max(peak["other"], other)
            await asyncio.sleep(0.05)

    sampler = asyncio.create_task(sample())
    gateways = stack.gateways
    # A committed event is published at once: its NOTIFY reached a relay through the direct
    # connection, since the relays poll only every POLL_INTERVAL seconds.
    first = await new_tenant(gateways[0], "pooled")

    async def onboarded_published() -> bool:
        return await stack.unpublished("tenant_api") == 0

    await eventually(onboarded_published, what="tenant.onboarded published", timeout=10)

    # Load: sagas and reads from many clients at once on every gateway replica, far more
    # than the pooler's server connections.
    more = await asyncio.gather(*(new_tenant(gateways[i % REPLICAS], "pooled") for i in range(5)))
    tenants = [first, *more]
    await asyncio.gather(
        *(provision(gateways[i % REPLICAS], t["id"]) for i, t in enumerate(tenants))
    )

    clients = asyncio.Semaphore(40)  # this one event loop also runs the fifteen replicas

    async def read(i: int) -> int:
        tenant = tenants[i % len(tenants)]
        path = f"/tenants/{tenant['id']}" + ("/pipeline" if i % 2 else "")
        async with clients:
            return (await gateways[i % REPLICAS].get(path)).status_code

    statuses = await asyncio.gather(*(read(i) for i in range(300)))
    assert set(statuses) == {200}
    # Each saga takes a dozen events published by four services' relays, each woken by a
    # NOTIFY: well within one polling interval.
    finished = await asyncio.gather(
        *(settle(gateways[0], t["id"], timeout=POLL_INTERVAL / 2) for t in tenants)
    )
    assert [t["status"] for t in finished] == ["ACTIVE"] * len(tenants)
    done.set()
    await sampler

    replicas = REPLICAS * len(SERVICES)
    # One pool of POOL_SIZE server connections per (database, role), whatever the replicas.
    assert peak["other"] <= POOL_SIZE * len(SERVICES)
    assert peak["listening"] == replicas  # one direct LISTEN per replica, never pooled
    budget = POOL_SIZE * len(SERVICES) + replicas
    unpooled = replicas * 2 * DB_POOL_SIZE
    assert peak["other"] + peak["listening"] <= budget < unpooled / 8


async def test_a_service_whose_role_has_no_search_path_refuses_to_start(
    pooled_stack: PooledStack, infra: TestInfra
) -> None:
    role = f"pgb_{infra.run_id}_nopath"
    settings = ServiceSettings(
        database_url=pooled_stack.bouncer.url(role, pooled_stack.database),
        database_direct_url=pooled_stack.direct["tenant-api"],
        database_pooling="transaction",
        db_schema="tenant_api",
        rabbitmq_url=infra.rabbitmq_url,
    )
    runtime = kit_runtime(settings)
    try:
        with pytest.raises(SchemaNotReached) as refused:
            await runtime.start()
    finally:
        await runtime.stop()
    assert f'ALTER ROLE "{role}" IN DATABASE' in str(refused.value)
    assert "not 'tenant_api'" in str(refused.value)
