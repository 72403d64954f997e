"""A consumer whose database goes away holds its deliveries and handles them once it is back.

The runner reaches PostgreSQL through a TCP proxy the test cuts and restores: a real server
that really goes away, for longer than every retry tier together.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import make_url, text

from service_kit.consumer import ATTEMPT_HEADER, OUTAGE_HEADER, Consumer
from service_kit.db import UnitOfWork, make_engine, make_sessionmaker
from service_kit.settings import ServiceSettings
from service_kit_testing import TcpProxy, TestInfra, publish_event, tcp_proxy
from shared_schemas.events import TenantReactivated

from ..conftest import SCHEMA, KitDb  # type: ignore[import-not-found]
from .consumers import ObservedRunner, RunConsumer, effect_handler  # type: ignore[import-not-found]
from .tenant_events import reactivated  # type: ignore[import-not-found]

KEY = TenantReactivated.TYPE


@pytest.fixture
def settings(settings: ServiceSettings) -> ServiceSettings:
    # Tiers of 0.2 s and 0.4 s, which an outage of seconds would spend many times.
    outage: ServiceSettings = settings.model_copy(
        update={"retry_delays": [0.2, 0.4], "consumer_outage_tolerance": 60.0}
    )
    return outage


class ProxiedDatabase:
    """The kit's tables reached through a TCP proxy, which the test cuts and restores."""

    def __init__(self, kit_db: KitDb, proxy: TcpProxy) -> None:
        self.proxy = proxy
        url = make_url(kit_db.settings.database_url).set(host="127.0.0.1", port=proxy.port)
        self.engine = make_engine(url.render_as_string(hide_password=False), schema=SCHEMA)
        self.through = KitDb(kit_db.settings, self.engine, make_sessionmaker(self.engine))

    def uow(self) -> UnitOfWork:
        return self.through.uow()

    async def cut(self) -> None:
        await self.proxy.cut()

    async def restore(self) -> None:
        await self.proxy.restore()

    async def warm(self) -> None:
        """A pooled connection, so that the cut also resets one in use."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))


@pytest.fixture
async def database(kit_db: KitDb) -> AsyncIterator[ProxiedDatabase]:
    real = make_url(kit_db.settings.database_url)
    async with tcp_proxy(real.host or "127.0.0.1", real.port or 5432) as proxy:
        made = ProxiedDatabase(kit_db, proxy)
        await made.warm()
        yield made
        await made.engine.dispose()


def sample(name: str, consumer: str) -> float:
    return REGISTRY.get_sample_value(name, {"consumer": consumer}) or 0.0


async def _ready(runner: ObservedRunner, count: int) -> bool:
    return await runner.ready() == count


async def _has_effects(kit_db: KitDb, events: list[Any]) -> bool:
    return all([await kit_db.effects(e.id) == ["done"] for e in events])


@pytest.mark.parametrize("shares_transactions", [False, True], ids=["alone", "grouped"])
async def test_deliveries_wait_out_a_database_outage_and_are_handled_once_after_it(
    infra: TestInfra,
    kit_db: KitDb,
    run_consumer: RunConsumer,
    database: ProxiedDatabase,
    eventually: Callable[..., Any],
    shares_transactions: bool,
) -> None:
    calls: list[uuid.UUID] = []
    name = f"held-{uuid.uuid4().hex[:6]}"
    consumer = Consumer(
        name=name,
        handlers={KEY: effect_handler(kit_db, calls)},
        shares_transactions=shares_transactions,
    )
    runner = await run_consumer(consumer, uow_factory=database.uow)
    await database.cut()
    events = [reactivated() for _ in range(3)]
    for event in events:
        await publish_event(infra, event)

    await eventually(lambda: runner.held == 3, what="every delivery held")
    assert sample("consumer_held_deliveries", name) == 3
    # Tries 1 s, then 1 s apart: past two seconds, well past both tiers (0.6 s).
    await eventually(
        lambda: sample("consumer_outage_waits_total", name) >= 3 * 3,
        timeout=15,
        what="three rounds of waits",
    )
    assert runner.deliveries == [], "no delivery left the handling: none was acked or retried"
    for queue in (*runner.names.retries, runner.names.dlq):
        assert await runner.ready(queue) == 0, queue

    await database.restore()
    await eventually(lambda: len(runner.deliveries) == 3, timeout=15, what="all three handled")
    assert await _has_effects(kit_db, events)
    for event in events:
        assert await kit_db.inbox_count(event.id) == 1
    assert sorted(calls) == sorted(e.id for e in events), "each handled once"
    assert [m.headers.get(ATTEMPT_HEADER) for m in runner.deliveries] == [None] * 3
    assert runner.held == 0
    assert sample("consumer_held_deliveries", name) == 0
    assert await runner.ready(runner.names.dlq) == 0
    await runner.broker.close()
    assert await runner.ready() == 0, "every delivery acked"


async def test_an_outage_past_the_tolerance_goes_through_the_tiers_without_a_fresh_budget(
    infra: TestInfra,
    kit_db: KitDb,
    settings: ServiceSettings,
    run_consumer: RunConsumer,
    database: ProxiedDatabase,
) -> None:
    runner = await run_consumer(
        Consumer(name="outlasted", handlers={KEY: effect_handler(kit_db, [])}),
        uow_factory=database.uow,
        settings=settings.model_copy(update={"consumer_outage_tolerance": 0.5}),
    )
    await database.cut()
    event = reactivated()
    await publish_event(infra, event)

    (dead,) = await runner.dead_letters(timeout=10)
    assert dead.headers["x-reason"] == "retries_exhausted"
    assert "DatabaseUnreachable" in dead.headers["x-error"]
    assert dead.headers[ATTEMPT_HEADER] == 2
    assert isinstance(dead.headers[OUTAGE_HEADER], int)
    # The budget was spent on the first trip; the tiers' trips waited no more.
    assert len(runner.deliveries) == 3
    assert runner.held == 0
    assert await kit_db.inbox_count(event.id) == 0


class MailServerDown(ConnectionError):
    """A dependency that is not an engine, whose client raises OSErrors."""


@pytest.mark.parametrize("kind", ["third-party http", "declared foreign", "plain bug"])
async def test_a_failure_that_is_no_engine_outage_goes_to_the_tiers_at_once(
    infra: TestInfra,
    kit_db: KitDb,
    run_consumer: RunConsumer,
    kind: str,
) -> None:
    async def failing(event: Any, uow: Any) -> None:
        await kit_db.record_effect(uow, event.id, "rolled back")
        if kind == "third-party http":
            raise httpx.ConnectError("a partner's API refused") from ConnectionRefusedError(111)
        if kind == "declared foreign":
            raise MailServerDown("the mail server refused")
        raise ValueError("a bug")

    name = f"failing-{uuid.uuid4().hex[:6]}"
    runner = await run_consumer(
        Consumer(name=name, handlers={KEY: failing}, foreign_errors=(MailServerDown,))
    )
    event = reactivated()
    await publish_event(infra, event)

    # With a tolerance of 60 s, a held delivery would not be here within seconds.
    (dead,) = await runner.dead_letters(timeout=8)
    assert dead.headers["x-reason"] == "retries_exhausted"
    assert OUTAGE_HEADER not in dead.headers
    assert [m.headers.get(ATTEMPT_HEADER) for m in runner.deliveries] == [None, 1, 2]
    assert sample("consumer_outage_waits_total", name) == 0
    assert await kit_db.effects(event.id) == []


async def test_stopping_returns_a_held_delivery_to_its_queue_and_a_later_runner_handles_it(
    infra: TestInfra,
    kit_db: KitDb,
    run_consumer: RunConsumer,
    database: ProxiedDatabase,
    eventually: Callable[..., Any],
) -> None:
    calls: list[uuid.UUID] = []
    consumer = Consumer(name="stopping", handlers={KEY: effect_handler(kit_db, calls)})
    first = await run_consumer(consumer, uow_factory=database.uow)
    await database.cut()
    event = reactivated()
    await publish_event(infra, event)
    await eventually(lambda: first.held == 1, what="the delivery held")

    await first.stop()
    assert first.held == 0
    await eventually(lambda: len(first.deliveries) == 1, what="the handling ended")
    # Put back while the connection is still open: the runner returned it, not the broker.
    assert first.broker.is_connected
    await eventually(lambda: _ready(first, 1), what="the delivery back in its queue")
    assert await first.ready(first.names.dlq) == 0
    await first.broker.close()

    await database.restore()
    second = await run_consumer(consumer, uow_factory=database.uow)
    await eventually(lambda: len(second.deliveries) == 1, what="handled by the next runner")
    assert second.deliveries[0].redelivered is True
    assert calls == [event.id]
    assert await kit_db.effects(event.id) == ["done"]
    assert await kit_db.inbox_count(event.id) == 1
