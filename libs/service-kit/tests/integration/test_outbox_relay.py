"""Outbox and relay against the real PostgreSQL and RabbitMQ: nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import text

from service_kit.broker import Broker
from service_kit.relay import OutboxRelay
from service_kit.settings import ServiceSettings
from service_kit_testing import delete_exchange
from shared_schemas.events import (
    TenantOffboardingRequested,
    TenantOffboardingRequestedData,
    TenantSuspended,
)

from ..conftest import connected_broker  # type: ignore[import-not-found]
from .tenant_events import suspended  # type: ignore[import-not-found]

KEY = TenantSuspended.TYPE

RelayStarter = Callable[..., OutboxRelay]


async def commit_events(kit_db: Any, events: list[Any]) -> None:
    async with kit_db.uow() as uow:
        for event in events:
            await uow.outbox.add(event)
        await uow.commit()


def received_ids(tap: Any, ids: set[uuid.UUID]) -> list[uuid.UUID]:
    """Ours among what the tap saw, with repeats (other tests share the exchange)."""
    return [e.id for e in tap.received if e.id in ids]


@pytest.fixture(autouse=True)
async def empty_outbox(kit_db: Any) -> None:
    # A row left unpublished by an earlier test would be retried by this test's relays.
    await kit_db.clear_outbox()


@pytest.fixture
async def start_relay(kit_db: Any, broker: Broker) -> AsyncIterator[RelayStarter]:
    """Start relays as background tasks; cancel them (closing their LISTEN) at teardown."""
    tasks: list[asyncio.Task[None]] = []

    def start(settings: ServiceSettings | None = None, via: Broker | None = None) -> OutboxRelay:
        relay = OutboxRelay(settings or kit_db.settings, kit_db.sessions, via or broker)
        tasks.append(asyncio.create_task(relay.run()))
        return relay

    yield start
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_committed_events_wait_for_a_relay_and_are_then_published_once(
    kit_db: Any, event_tap: Any, start_relay: RelayStarter, eventually: Any
) -> None:
    tap = await event_tap(KEY)
    events = [suspended() for _ in range(5)]
    ids = {e.id for e in events}
    await commit_events(kit_db, events)

    # No relay yet (as if it stopped between commit and publish): nothing leaves the outbox.
    await asyncio.sleep(0.5)
    assert received_ids(tap, ids) == []
    rows = await kit_db.outbox_rows(list(ids))
    assert len(rows) == len(events)
    assert all(row.published_at is None for row in rows)

    start_relay()
    await tap.wait_for(KEY, count=len(events))
    await eventually(lambda: _all_published(kit_db, ids), what="published_at set")
    await asyncio.sleep(0.3)  # room for a duplicate to show up
    seen = Counter(received_ids(tap, ids))
    assert set(seen) == ids
    assert set(seen.values()) == {1}


async def _all_published(kit_db: Any, ids: set[uuid.UUID]) -> bool:
    rows = await kit_db.outbox_rows(list(ids))
    return len(rows) == len(ids) and all(row.published_at is not None for row in rows)


async def test_a_rolled_back_unit_of_work_publishes_nothing(
    kit_db: Any, event_tap: Any, start_relay: RelayStarter
) -> None:
    tap = await event_tap(KEY)
    doomed, kept = suspended(), suspended()
    start_relay()
    async with kit_db.uow() as uow:
        await uow.outbox.add(doomed)
        await uow.rollback()

    async def fail_before_commit() -> None:
        async with kit_db.uow() as uow:
            await uow.outbox.add(doomed)
            raise RuntimeError("boom")  # leaving without commit rolls back

    with pytest.raises(RuntimeError, match="boom"):
        await fail_before_commit()
    # A later commit wakes the relay: by the time it is published the relay has looked again.
    await commit_events(kit_db, [kept])
    await tap.wait_for(KEY)
    await asyncio.sleep(0.3)
    assert received_ids(tap, {doomed.id, kept.id}) == [kept.id]
    assert await kit_db.outbox_rows([doomed.id]) == []


async def test_an_idle_relay_is_woken_by_notify_not_by_polling(
    kit_db: Any, event_tap: Any, start_relay: RelayStarter
) -> None:
    tap = await event_tap(KEY)
    slow_poll = kit_db.settings.model_copy(update={"outbox_poll_interval": 60.0})
    first, second = suspended(), suspended()
    await commit_events(kit_db, [first])
    start_relay(slow_poll)
    # The first pass publishes `first`; after that the relay sleeps for up to 60 s.
    await tap.wait_for(KEY)
    await asyncio.sleep(0.3)
    await commit_events(kit_db, [second])
    # Only NOTIFY can make this in time: polling would take a minute.
    events = await tap.wait_for(KEY, count=2, timeout=10.0)
    assert [e.id for e in events if e.id in {first.id, second.id}] == [first.id, second.id]


async def test_two_relays_publish_every_event_exactly_once(
    kit_db: Any, event_tap: Any, start_relay: RelayStarter, eventually: Any
) -> None:
    tap = await event_tap(KEY)
    small_batches = kit_db.settings.model_copy(update={"outbox_batch_size": 20})
    events = [suspended() for _ in range(200)]
    ids = {e.id for e in events}
    for i in range(0, len(events), 50):
        await commit_events(kit_db, events[i : i + 50])
    # Two relays, each with its own connection, as two replicas would have.
    async with connected_broker(kit_db.settings) as other:
        start_relay(small_batches)
        start_relay(small_batches, via=other)
        await eventually(
            lambda: _received_at_least(tap, ids), timeout=15.0, what="200 events received"
        )
        await eventually(lambda: _all_published(kit_db, ids), what="published_at set")
        await asyncio.sleep(0.5)  # room for a duplicate to show up
    seen = Counter(received_ids(tap, ids))
    assert set(seen) == ids, f"missing: {len(ids - set(seen))}"
    duplicates = {i: n for i, n in seen.items() if n > 1}
    assert duplicates == {}
    # Each row was sent by exactly one relay (SKIP LOCKED): one attempt per row.
    rows = await kit_db.outbox_rows(list(ids))
    assert {row.attempts for row in rows} == {1}


async def _received_at_least(tap: Any, ids: set[uuid.UUID]) -> bool:
    return len(set(received_ids(tap, ids))) >= len(ids)


async def test_an_unroutable_event_stays_in_the_outbox(
    kit_db: Any, start_relay: RelayStarter, eventually: Any
) -> None:
    # An exchange of this test's own, bound to nothing: on the run's shared exchange another
    # test's queue may be bound to this very key, and the event would be routable after all.
    private = kit_db.settings.model_copy(
        update={"events_exchange": f"{kit_db.settings.events_exchange}.unroutable-{uuid.uuid4()}"}
    )
    lonely = Broker(private)
    await lonely.connect()
    tenant_id = uuid.uuid4()
    orphan = TenantOffboardingRequested.build(
        TenantOffboardingRequestedData(tenant_id=tenant_id),
        producer="kit-test",
        correlation_id=uuid.uuid4(),
    )
    try:
        await commit_events(kit_db, [orphan])
        start_relay(private, via=lonely)

        async def attempted() -> bool:
            (row,) = await kit_db.outbox_rows([orphan.id])
            return bool(row.attempts >= 1)

        await eventually(attempted, what="a publish attempt")
        (row,) = await kit_db.outbox_rows([orphan.id])
        assert row.published_at is None
        assert row.attempts >= 1
        assert "NO_ROUTE" in (row.last_error or "")
        assert row.next_attempt_at is not None
    finally:
        await lonely.close()
        await delete_exchange(private.rabbitmq_url.get_secret_value(), private.events_exchange)


async def test_a_relay_cancelled_just_as_it_is_woken_still_stops(
    kit_db: Any, broker: Broker
) -> None:
    # A long poll: the relay sits waiting for a wake-up when it is cancelled.
    settings = kit_db.settings.model_copy(update={"outbox_poll_interval": 60.0})
    relay = OutboxRelay(settings, kit_db.sessions, broker)
    task = asyncio.create_task(relay.run())
    for _ in range(100):
        await asyncio.sleep(0.02)
        if relay._listener is not None:
            break
    await asyncio.sleep(0.2)
    relay._wake.set()  # the wake-up and the cancellation land in the same loop turn
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=5)
    assert task in done, "the relay swallowed its cancellation and kept running"
    assert task.cancelled()


async def test_an_event_written_after_another_committed_is_published_after_it(
    kit_db: Any, event_tap: Any, start_relay: RelayStarter
) -> None:
    # A transaction that began earlier but wrote later (it waited on a row lock, say) must not
    # jump ahead: with now() as the outbox's time, `late` would carry the earlier stamp.
    tap = await event_tap(KEY)
    early, late = suspended(), suspended()
    async with kit_db.uow() as waiting:
        await waiting.session.execute(text("SELECT 1"))  # its transaction (and now()) begins
        await asyncio.sleep(0.05)
        await commit_events(kit_db, [early])
        await waiting.outbox.add(late)
        await waiting.commit()
    start_relay()
    await tap.wait_for(KEY, count=2)
    assert received_ids(tap, {early.id, late.id}) == [early.id, late.id]
