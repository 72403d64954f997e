"""A broker of several nodes (TCP proxies in front of the real RabbitMQ): a lost node costs one
attempt, readiness tells the truth, consumers and publishes carry on, the relay catches up."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from service_kit.broker import Broker
from service_kit.consumer import Consumer
from service_kit.db import UnitOfWork
from service_kit.relay import OutboxRelay
from service_kit.runtime import kit_runtime
from service_kit.settings import ServiceSettings
from service_kit_testing import TcpProxy
from shared_schemas.events import TenantSuspended

from .tenant_events import suspended  # type: ignore[import-not-found]

KEY = TenantSuspended.TYPE

Eventually = Callable[..., Awaitable[None]]


@pytest.fixture
async def nodes(kit_settings: ServiceSettings) -> AsyncIterator[list[TcpProxy]]:
    """Three "nodes": proxies to the one real broker, each can be cut on its own."""
    real = urlsplit(kit_settings.rabbitmq_url.get_secret_value())
    proxies = [TcpProxy(real.hostname or "127.0.0.1", real.port or 5672) for _ in range(3)]
    for proxy in proxies:
        await proxy.restore()
    try:
        yield proxies
    finally:
        for proxy in proxies:
            await proxy.cut()


def through(settings: ServiceSettings, proxies: list[TcpProxy], **update: Any) -> ServiceSettings:
    """`settings` with RABBITMQ_URLS naming the proxies (same credentials and vhost)."""
    real = urlsplit(settings.rabbitmq_url.get_secret_value())
    credentials = real.netloc.rpartition("@")[0]
    urls = [real._replace(netloc=f"{credentials}@127.0.0.1:{p.port}").geturl() for p in proxies]
    return settings.model_copy(update={"rabbitmq_urls": SecretStr(",".join(urls)), **update})


def node_of(proxies: list[TcpProxy], broker: Broker) -> TcpProxy:
    (proxy,) = [p for p in proxies if broker.node == f"127.0.0.1:{p.port}"]
    return proxy


async def commit(uow: UnitOfWork, event: TenantSuspended) -> None:
    async with uow:
        await uow.outbox.add(event)
        await uow.commit()


async def test_a_lost_node_is_left_at_once_and_everything_carries_on_over_another(
    kit_db: Any, kit_settings: ServiceSettings, nodes: list[TcpProxy], eventually: Eventually
) -> None:
    seen: list[uuid.UUID] = []

    async def on_suspended(event: TenantSuspended, uow: UnitOfWork) -> None:
        seen.append(event.id)

    consumer = Consumer(name=f"nodes-{uuid.uuid4().hex[:8]}", handlers={KEY: on_suspended})
    settings = through(kit_settings, nodes, metrics_dlq_interval=0.2)
    runtime = kit_runtime(settings, [consumer])
    await runtime.start()
    try:
        assert (await runtime.readiness())["broker"] == "ok"
        first = node_of(nodes, runtime.broker)

        before = suspended()
        await commit(runtime.uow(), before)
        await eventually(lambda: before.id in seen, what="consumed before the cut")

        await first.cut()
        # The next attempt goes to another node; without rotation it would stay on the cut one
        # for as long as it is down. (Generous: a shared broker under load can be slow to
        # restore seven channels.)
        await eventually(
            lambda: runtime.broker.state == "ok" and not node_of(nodes, runtime.broker).is_cut,
            timeout=15,
            what="connected to another node",
        )
        assert (await runtime.readiness())["broker"] == "ok"

        # The relay's publishes are confirmed, and the consumer took its queue back.
        after = suspended()
        await commit(runtime.uow(), after)
        await eventually(lambda: after.id in seen, what="consumed after the move")
        # Publishing channel: a direct confirmed publish works on the new node.
        await runtime.broker.publish(
            after.model_dump_json().encode(), routing_key=KEY, message_id=str(uuid.uuid4())
        )

        for proxy in nodes:
            await proxy.cut()
        await eventually(
            lambda: runtime.broker.state != "ok", timeout=5, what="broker reported down"
        )
        checks = await runtime.readiness()
        assert checks["broker"] == "reconnecting"
        # Writes still land in the outbox while no node answers.
        away = suspended()
        await commit(runtime.uow(), away)

        await nodes[2].restore()
        await eventually(lambda: runtime.broker.state == "ok", timeout=15, what="broker back")
        assert runtime.broker.node == f"127.0.0.1:{nodes[2].port}"
        assert (await runtime.readiness())["broker"] == "ok"
        await eventually(lambda: away.id in seen, timeout=15, what="the outage's write consumed")
    finally:
        await runtime.stop()  # the test's queues expire on their own


async def test_the_relay_publishes_at_once_when_the_broker_returns(
    kit_db: Any,
    kit_settings: ServiceSettings,
    nodes: list[TcpProxy],
    event_tap: Any,
    eventually: Eventually,
) -> None:
    await kit_db.clear_outbox()
    tap = await event_tap(KEY)  # a queue bound to the key: the events are routable
    node = nodes[0]
    settings = through(kit_settings, [node])
    broker = Broker(settings)
    await broker.connect()
    relay = OutboxRelay(settings, kit_db.sessions, broker)
    task = asyncio.create_task(relay.run())
    try:
        await node.cut()
        await eventually(lambda: broker.state != "ok", timeout=5, what="broker reported down")
        events = [suspended() for _ in range(3)]
        async with kit_db.uow() as uow:
            for event in events:
                await uow.outbox.add(event)
            await uow.commit()
        ids = [e.id for e in events]

        async def failed_once() -> bool:
            rows = await kit_db.outbox_rows(ids)
            return all(row.attempts >= 1 and row.next_attempt_at is not None for row in rows)

        await eventually(failed_once, what="publish attempts failing while the broker is away")
        # As after a long outage: each row has backed off to the relay's longest wait.
        async with kit_db.sessions() as session, session.begin():
            await session.execute(
                text(
                    "UPDATE outbox SET attempts = 7, next_attempt_at = now() + interval '60 s'"
                    " WHERE id = ANY(:ids)"
                ),
                {"ids": ids},
            )

        await node.restore()

        async def published() -> bool:
            rows = await kit_db.outbox_rows(ids)
            return all(row.published_at is not None for row in rows)

        # Far less than the 60 s backoff: the reconnect released the rows.
        await eventually(published, timeout=20, what="published once the broker returned")
        await eventually(
            lambda: set(ids) <= {e.id for e in tap.received}, what="the events delivered"
        )
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await broker.close()
