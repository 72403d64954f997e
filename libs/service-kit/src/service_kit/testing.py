"""pytest plugin (loaded with `-p service_kit.testing`): isolated infrastructure for a test run.

Each run gets its own database (created, then dropped), its own exchange and queue prefix
(idle queues expire), and its own Redis key prefix (its keys deleted at the end), so a test run
never disturbs `make run`.
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
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from service_kit.migrations import drop_database, ensure_database
from service_kit.settings import ServiceSettings

_DEFAULTS = ServiceSettings()


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


def free_port_base(preferred: int | None = None, count: int = 5) -> int:
    """`count` consecutive free ports for `deploy/local_run.py --port-base`: from `preferred`
    if those are free, else anywhere below 60000 (clear of `make run`'s 8000s by chance only)."""
    if preferred is not None and all(_port_free(preferred + i) for i in range(count)):
        return preferred
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if base <= 60000 and all(_port_free(base + i) for i in range(count)):
            return base
    raise RuntimeError(f"no {count} consecutive free ports")


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


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
    db, mq, rd = servers or (
        os.environ.get("TEST_DATABASE_URL"),
        os.environ.get("TEST_RABBITMQ_URL"),
        os.environ.get("TEST_REDIS_URL"),
    )
    with ExitStack() as stack:
        nothing_configured = not (db or mq or rd)
        local_down = not _reachable(_DEFAULTS.database_url, 5432)
        if nothing_configured and local_down and _docker_engine():
            db, mq, rd = _containers(stack)
        base = make_url(db or _DEFAULTS.database_url)
        database_url = base.set(database=f"cp_test_{run_id}").render_as_string(hide_password=False)
        asyncio.run(ensure_database(database_url))
        stack.callback(lambda: asyncio.run(drop_database(database_url)))
        # Tenants' own data (silo schemas, pooled rows) goes to a database of its own; the
        # provisioner creates it. Roles are cluster-wide, so they carry the run's prefix.
        tenant_data = base.set(drivername="postgresql", database=f"cp_test_{run_id}_tenants")
        tenant_data_dsn = tenant_data.render_as_string(hide_password=False)
        stack.callback(lambda: asyncio.run(_drop_tenant_data(tenant_data_dsn, f"t{run_id}_")))
        infra = TestInfra(
            run_id=run_id,
            database_url=database_url,
            rabbitmq_url=mq or _DEFAULTS.rabbitmq_url.get_secret_value(),
            redis_url=rd or _DEFAULTS.redis_url,
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


@pytest.fixture(scope="session")
def infra() -> Iterator[TestInfra]:
    with isolated_infra(uuid.uuid4().hex[:10]) as made:
        yield made


async def _drop_tenant_data(dsn: str, role_prefix: str) -> None:
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


class EventTap:
    """A private queue bound to this run's exchange, to see what a service published."""

    def __init__(self, infra: TestInfra) -> None:
        self._settings = infra.settings(ServiceSettings, service_name="tap")
        self._connection: Any = None
        self._queue: Any = None
        self.received: list[Any] = []
        self._arrived = asyncio.Event()

    async def start(self, *routing_keys: str) -> EventTap:
        import aio_pika

        from service_kit.topology import declare_exchange

        self._connection = await aio_pika.connect(self._settings.rabbitmq_url.get_secret_value())
        channel = await self._connection.channel()
        exchange = await declare_exchange(channel, self._settings)
        self._queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        for key in routing_keys or ("#",):
            await self._queue.bind(exchange, routing_key=key)
        await self._queue.consume(self._on_message, no_ack=True)
        return self

    async def _on_message(self, message: Any) -> None:
        from shared_schemas import parse_event

        self.received.append(parse_event(message.body))
        self._arrived.set()

    async def wait_for(
        self,
        event_type: str,
        *,
        count: int = 1,
        timeout: float = 10.0,
        where: Callable[[Any], bool] | None = None,
    ) -> list[Any]:
        """The first `count` events of `event_type` (that `where` accepts), waiting up to
        `timeout` seconds. A test sharing its exchange with earlier work names its own event
        with `where`: another test's late outbox row may arrive first."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = [
                e for e in self.received if e.type == event_type and (where is None or where(e))
            ]
            if len(found) >= count:
                return found
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                seen = sorted({e.type for e in self.received})
                raise AssertionError(f"no {count}x {event_type} within {timeout}s; saw {seen}")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout=remaining)
            except TimeoutError:
                continue

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()


@pytest.fixture
async def event_tap(infra: TestInfra) -> Any:
    taps: list[EventTap] = []

    async def start(*routing_keys: str) -> EventTap:
        tap = await EventTap(infra).start(*routing_keys)
        taps.append(tap)
        return tap

    yield start
    for tap in taps:
        await tap.close()


async def publish_raw(
    infra: TestInfra,
    routing_key: str,
    body: bytes,
    *,
    headers: dict[str, Any] | None = None,
    exchange: str | None = None,
) -> None:
    """Publish bytes as any producer would: to this run's events exchange by default, to another
    exchange by name, or with `exchange=""` straight to the queue named `routing_key`."""
    import aio_pika

    from service_kit.topology import declare_exchange

    settings = infra.settings(ServiceSettings, service_name="test-publisher")
    connection = await aio_pika.connect(infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        if exchange is None:
            target = await declare_exchange(channel, settings)
        elif exchange == "":
            target = channel.default_exchange
        else:
            target = await channel.get_exchange(exchange)
        await target.publish(
            aio_pika.Message(body, headers=headers or {}, content_type="application/json"),
            routing_key=routing_key,
            mandatory=True,
            timeout=5,
        )


async def wait_for_queue_messages(
    infra: TestInfra, queue: str, *, count: int = 1, timeout: float = 10.0
) -> list[Any]:
    """Take (ack) at least `count` messages from `queue`; fail if they do not come in time.

    Returns aio-pika messages, so tests can read `body` and `headers` (reason, x-death, ...).
    """
    import aio_pika

    taken: list[Any] = []
    connection = await aio_pika.connect(infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        deadline = asyncio.get_running_loop().time() + timeout
        while len(taken) < count:
            q = await channel.get_queue(queue, ensure=True)
            message = await q.get(fail=False, no_ack=True)
            if message is not None:
                taken.append(message)
                continue
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{queue}: {len(taken)} of {count} messages in {timeout}s")
            await asyncio.sleep(0.05)
    return taken


@dataclass
class SmtpSink:
    """A real SMTP server (aiosmtpd) on a free loopback port, keeping what it receives.

    `down()` stops it for a while and starts it again on the same port, as a mail server that
    goes away and comes back: senders meanwhile get "connection refused".
    """

    host: str
    port: int
    messages: list[Any]
    _controller: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        """Listen on `port` (a free one is chosen the first time)."""
        from email import message_from_bytes, policy

        from aiosmtpd.controller import Controller

        if self._controller is not None:
            return
        messages = self.messages

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                messages.append(message_from_bytes(envelope.content, policy=policy.default))
                return "250 OK"

        if not self.port:
            with socket.socket() as probe:
                probe.bind((self.host, 0))
                self.port = probe.getsockname()[1]
        controller = Controller(Handler(), hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            controller, self._controller = self._controller, None
            controller.stop()

    @contextmanager
    def down(self) -> Iterator[None]:
        """The server is stopped inside the block and listening again after it, whatever happens."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def to(self, recipient: str) -> list[Any]:
        """Every message received so far for `recipient`."""
        return [m for m in self.messages if recipient.lower() in m["To"].lower()]

    async def wait_for(self, recipient: str, *, timeout: float = 15.0) -> Any:
        """The first message to `recipient` (an `email.message.EmailMessage`)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            received = self.to(recipient)
            if received:
                return received[0]
            await asyncio.sleep(0.05)
        raise AssertionError(f"no e-mail to {recipient} within {timeout}s")


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(host="127.0.0.1", port=0, messages=[])
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


async def migrate_service(service_dir: Path, infra: TestInfra) -> None:
    """Run a service's migrations against this run's database (off the event loop)."""
    from service_kit.migrations import upgrade

    await asyncio.to_thread(upgrade, service_dir, infra.database_url)


@asynccontextmanager
async def started(app: FastAPI) -> AsyncIterator[FastAPI]:
    """The app with its lifespan running: pools, broker, relay, consumers."""
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def asgi_client(app: FastAPI, host: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client that calls the app in-process, through the real ASGI stack."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as client:
        yield client


@asynccontextmanager
async def served(app: FastAPI, *, timeout: float = 30.0) -> AsyncIterator[str]:
    """The app behind a real uvicorn server on a free loopback port, with the options every
    service is served with; yields its base URL. For what lives in the server layer (the
    client's address, body framing, headers) an in-process client never exercises. The server
    runs the app's lifespan."""
    import uvicorn

    from service_kit.serve import UVICORN_OPTIONS

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = int(listener.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **UVICORN_OPTIONS))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while not server.started:
            if task.done() or asyncio.get_running_loop().time() > deadline:
                raise RuntimeError("the server did not start")
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        listener.close()


@pytest.fixture
def recorded_spans() -> Iterator[Any]:
    """Tracing on for one test, every finished span kept in memory (an `InMemorySpanExporter`).

    Whatever runs in this process meanwhile (apps, relays, consumers) records into it.
    """
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from service_kit import tracing

    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "test"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    try:
        yield exporter
    finally:
        tracing.uninstall(provider)
        provider.shutdown()


async def generic_plan(dsn: str, schema: str, statement: Any, *args: uuid.UUID | int | str) -> str:
    """EXPLAIN of a SQLAlchemy statement as a prepared statement's cached (generic) plan, with
    sequential scans discouraged: an index missing from it is one PostgreSQL could not prove
    usable whatever the parameters."""
    import asyncpg
    from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect

    sql = str(statement.compile(dialect=asyncpg_dialect.dialect()))  # type: ignore[no-untyped-call]
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        await conn.execute("SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off")
        await conn.execute(f"PREPARE lookup AS {sql}")
        values = ", ".join(_sql_literal(a) for a in args)
        rows = await conn.fetch(
            f"EXPLAIN EXECUTE lookup({values})" if args else "EXPLAIN EXECUTE lookup"
        )
        return "\n".join(row[0] for row in rows)
    finally:
        await conn.close()


def _sql_literal(value: uuid.UUID | int | str) -> str:
    if isinstance(value, uuid.UUID):
        return f"'{value}'::uuid"
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


def child_processes(parent: int) -> dict[int, bytes]:
    """The processes whose parent is `parent`, with their command lines (from /proc)."""
    found: dict[int, bytes] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found[int(entry)] = command
    return found


def worker_processes(parent: int) -> set[int]:
    """A service's uvicorn workers (`PROCESSES` above 1): its children that multiprocessing
    spawned, not its resource tracker."""
    return {pid for pid, command in child_processes(parent).items() if b"spawn_main" in command}
