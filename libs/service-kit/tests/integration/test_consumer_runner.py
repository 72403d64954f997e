"""The consumer runner against the real broker and database: dedupe, crash, retries, DLQ."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from prometheus_client import REGISTRY
from sqlalchemy import text

from service_kit.consumer import ATTEMPT_HEADER, Consumer
from service_kit.settings import ServiceSettings
from service_kit_testing import TestInfra, publish_event, publish_raw
from shared_schemas import Envelope
from shared_schemas.events import TenantReactivated, TenantSuspended

from .consumers import ObservedRunner, RunConsumer, effect_handler  # type: ignore[import-not-found]
from .tenant_events import reactivated, suspended  # type: ignore[import-not-found]

KEY = TenantReactivated.TYPE
UNHANDLED_KEY = TenantSuspended.TYPE


class SimulatedCrash(Exception):
    """The process dies after the commit, before the ack."""


async def test_the_same_event_twice_takes_effect_once(
    infra: TestInfra, kit_db: Any, run_consumer: RunConsumer, eventually: Any
) -> None:
    calls: list[uuid.UUID] = []
    runner = await run_consumer(
        Consumer(name="dedupe", handlers={KEY: effect_handler(kit_db, calls)})
    )
    event = reactivated()
    await publish_event(infra, event)
    await publish_event(infra, event)

    await eventually(lambda: len(runner.deliveries) == 2, what="both deliveries handled")
    assert await kit_db.effects(event.id) == ["done"]
    assert await kit_db.inbox_count(event.id) == 1
    assert calls == [event.id]


async def test_a_crash_between_commit_and_ack_redelivers_and_the_inbox_dedupes(
    infra: TestInfra, kit_db: Any, run_consumer: RunConsumer, eventually: Any
) -> None:
    calls: list[uuid.UUID] = []
    consumer = Consumer(name="crash", handlers={KEY: effect_handler(kit_db, calls)})

    async def crash_once(event: Envelope) -> None:
        raise SimulatedCrash(str(event.id))

    first = await run_consumer(consumer, after_commit=crash_once)
    event = reactivated()
    await publish_event(infra, event)
    await eventually(lambda: len(first.deliveries) == 1, what="first delivery")
    assert await kit_db.effects(event.id) == ["done"], "committed before the crash"
    # The crashed process's connection goes away with the delivery still unacked.
    await first.broker.close()

    second = await run_consumer(consumer)
    await eventually(lambda: len(second.deliveries) == 1, what="redelivery")
    assert first.deliveries[0].redelivered is False
    assert second.deliveries[0].redelivered is True
    assert json.loads(second.deliveries[0].body)["id"] == str(event.id)
    assert calls == [event.id], "the handler ran for the first delivery only"
    assert await kit_db.effects(event.id) == ["done"]
    assert await kit_db.inbox_count(event.id) == 1
    # Acked, not merely held: once the consumer's connection is gone nothing comes back.
    await second.broker.close()
    assert await second.ready() == 0


async def test_poison_goes_to_the_dlq_at_once_and_does_not_block_the_queue(
    infra: TestInfra,
    kit_db: Any,
    settings: ServiceSettings,
    run_consumer: RunConsumer,
    eventually: Any,
) -> None:
    calls: list[uuid.UUID] = []
    runner = await run_consumer(
        Consumer(name="poison", handlers={KEY: effect_handler(kit_db, calls)})
    )
    malformed = b'{"id": "not even json'
    unknown = reactivated().model_dump(mode="json") | {"version": 99}
    await publish_raw(infra, KEY, malformed)
    await publish_raw(infra, KEY, json.dumps(unknown).encode())
    valid = reactivated()
    await publish_event(infra, valid)

    dead = await runner.dead_letters(count=2, timeout=5.0)
    by_reason = {m.headers["x-reason"]: m for m in dead}
    assert set(by_reason) == {"malformed", "unknown_type_or_version"}
    assert by_reason["malformed"].body == malformed
    assert json.loads(by_reason["unknown_type_or_version"].body)["version"] == 99
    for message in dead:
        assert message.headers["x-error"]
        assert message.headers["x-original-queue"] == runner.names.main
        assert message.headers["x-service"] == settings.service_name
        assert message.headers["x-original-routing-key"] == KEY
    await eventually(
        lambda: _has_effect(kit_db, valid.id), timeout=5.0, what="valid event processed"
    )
    assert calls == [valid.id]


async def _has_effect(kit_db: Any, event_id: uuid.UUID) -> bool:
    return bool(await kit_db.effects(event_id))


async def test_a_transient_failure_is_retried_after_each_delay_then_succeeds(
    infra: TestInfra,
    kit_db: Any,
    settings: ServiceSettings,
    run_consumer: RunConsumer,
    eventually: Any,
) -> None:
    assert settings.retry_delays == [0.2, 0.5]
    loop = asyncio.get_running_loop()
    seen_at: list[float] = []

    async def flaky(event: Envelope, uow: Any) -> None:
        seen_at.append(loop.time())
        if len(seen_at) <= 2:
            # Not an engine away (that would be held in place): a failure the tiers retry.
            raise LookupError(f"transient failure #{len(seen_at)}")
        await kit_db.record_effect(uow, event.id, "third time lucky")

    runner = await run_consumer(Consumer(name="flaky", handlers={KEY: flaky}))
    event = reactivated()
    await publish_event(infra, event)

    await eventually(lambda: len(runner.deliveries) == 3, timeout=5.0, what="three deliveries")
    assert len(seen_at) == 3
    assert [m.headers.get(ATTEMPT_HEADER) for m in runner.deliveries] == [None, 1, 2]
    # Each retry waited out its tier's TTL (0.2 s, then 0.5 s): a lower bound, not a benchmark.
    assert seen_at[1] - seen_at[0] >= 0.18
    assert seen_at[2] - seen_at[1] >= 0.45
    assert seen_at[2] - seen_at[0] >= 0.6
    assert await kit_db.effects(event.id) == ["third time lucky"]
    assert await kit_db.inbox_count(event.id) == 1
    await asyncio.sleep(0.2)
    assert len(runner.deliveries) == 3
    assert await runner.ready(runner.names.dlq) == 0


async def test_a_handler_that_always_fails_ends_in_the_dlq_with_its_history(
    infra: TestInfra, kit_db: Any, settings: ServiceSettings, run_consumer: RunConsumer
) -> None:
    calls: list[uuid.UUID] = []

    async def broken(event: Envelope, uow: Any) -> None:
        calls.append(event.id)
        await kit_db.record_effect(uow, event.id, "rolled back")
        raise ValueError(f"permanently broken for {event.id}")

    runner = await run_consumer(Consumer(name="broken", handlers={KEY: broken}))
    event = reactivated()
    await publish_event(infra, event)

    (dead,) = await runner.dead_letters(timeout=8.0)
    headers = dead.headers
    assert headers["x-reason"] == "retries_exhausted"
    assert f"permanently broken for {event.id}" in headers["x-error"]
    assert headers["x-original-routing-key"] == KEY
    assert headers[ATTEMPT_HEADER] == len(settings.retry_delays)
    deaths = {_text(death["queue"]) for death in headers["x-death"]}
    assert set(runner.names.retries) <= deaths
    assert json.loads(dead.body)["id"] == str(event.id)
    assert calls == [event.id] * (1 + len(settings.retry_delays))
    # Every attempt rolled back: no effect and no inbox row, so a replay can still succeed.
    assert await kit_db.effects(event.id) == []
    assert await kit_db.inbox_count(event.id) == 0


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def test_an_event_without_a_handler_is_dead_lettered(
    infra: TestInfra, kit_db: Any, run_consumer: RunConsumer
) -> None:
    calls: list[uuid.UUID] = []
    consumer = Consumer(
        name="partial",
        handlers={KEY: effect_handler(kit_db, calls)},
        bindings=[KEY, UNHANDLED_KEY],
    )
    runner = await run_consumer(consumer)
    event = suspended(reason=None)
    await publish_event(infra, event)

    (dead,) = await runner.dead_letters(timeout=5.0)
    assert dead.headers["x-reason"] == "no_handler"
    assert UNHANDLED_KEY in dead.headers["x-error"]
    assert dead.headers["x-original-routing-key"] == UNHANDLED_KEY
    assert json.loads(dead.body)["id"] == str(event.id)
    assert calls == []
    assert await kit_db.inbox_count(event.id) == 0


async def test_stop_returns_when_the_broker_connection_is_gone(
    kit_db: Any, run_consumer: RunConsumer
) -> None:
    runner = await run_consumer(Consumer(name="gone", handlers={KEY: effect_handler(kit_db, [])}))
    await runner.broker.close()
    # A robust channel would wait for a reconnect that never comes; shutdown must not.
    await asyncio.wait_for(runner.stop(), timeout=3.0)


# Group commit: a consumer that shares transactions.


def sample_sum(name: str, consumer: str) -> float:
    return REGISTRY.get_sample_value(name, {"consumer": consumer}) or 0.0


class HeldFirst:
    """Wraps a handler: the first delivery waits until `grouped_run` lets it go, so that the
    deliveries behind it wait together (its retries, if any, do not wait)."""

    def __init__(self, handler: Callable[[Envelope, Any], Awaitable[None]]) -> None:
        self.first: uuid.UUID | None = None
        self.gate = asyncio.Event()
        self._handler = handler

    async def __call__(self, event: Envelope, uow: Any) -> None:
        if self.first is None:
            self.first = event.id
        if event.id == self.first:
            await self.gate.wait()
        await self._handler(event, uow)


async def grouped_run(
    infra: TestInfra,
    run_consumer: RunConsumer,
    eventually: Any,
    name: str,
    held: HeldFirst,
    events: list[TenantReactivated],
) -> ObservedRunner:
    """A consumer that shares transactions, `events` published while its first delivery is
    held; once the broker has handed every delivery over (nothing ready), the first goes on."""
    runner = await run_consumer(Consumer(name=name, handlers={KEY: held}, shares_transactions=True))
    for event in events:
        await publish_event(infra, event)
    await eventually(lambda: _nothing_ready(runner), what="every delivery handed over")
    await asyncio.sleep(0.2)  # each delivery's task reaches its group
    held.gate.set()
    return runner


async def _nothing_ready(runner: ObservedRunner) -> bool:
    return await runner.ready() == 0


async def test_deliveries_that_wait_together_share_a_transaction_each_in_its_own_context(
    infra: TestInfra,
    kit_db: Any,
    settings: ServiceSettings,
    run_consumer: RunConsumer,
    eventually: Any,
) -> None:
    assert settings.consumer_batch_size == 16
    transactions: dict[uuid.UUID, int] = {}
    logged_as: dict[uuid.UUID, str] = {}

    async def handler(event: Envelope, uow: Any) -> None:
        transactions[event.id] = await uow.session.scalar(text("SELECT txid_current()"))
        logged_as[event.id] = structlog.contextvars.get_contextvars()["event_id"]
        await kit_db.record_effect(uow, event.id, "shared")

    name = "grouped"
    before = sample_sum("consumer_transaction_deliveries_count", name)
    events = [reactivated() for _ in range(20)]
    runner = await grouped_run(infra, run_consumer, eventually, name, HeldFirst(handler), events)
    await eventually(lambda: len(runner.deliveries) == 20, what="all twenty handled")

    for event in events:
        assert await kit_db.effects(event.id) == ["shared"]
        assert await kit_db.inbox_count(event.id) == 1
    # The first alone (it was held), the nineteen behind it in groups of at most 16.
    sizes = sorted(Counter(transactions.values()).values())
    assert sizes == [1, 3, 16], sizes
    assert sample_sum("consumer_transaction_deliveries_count", name) - before == 3
    # Each handler ran in its own delivery's context, not in its group's.
    assert logged_as == {event.id: str(event.id) for event in events}
    await runner.broker.close()
    assert await runner.ready() == 0, "every delivery acked"


async def test_a_failing_delivery_leaves_its_shared_transaction_and_fails_alone(
    infra: TestInfra,
    kit_db: Any,
    run_consumer: RunConsumer,
    eventually: Any,
) -> None:
    events = [reactivated() for _ in range(8)]
    poison = events[4]

    async def handler(event: Envelope, uow: Any) -> None:
        await kit_db.record_effect(uow, event.id, "once")
        if event.id == poison.id:
            raise ValueError("this one never works")

    name = "grouped-failing"
    failures = sample_sum("consumer_shared_transaction_failures_total", name)
    runner = await grouped_run(infra, run_consumer, eventually, name, HeldFirst(handler), events)

    (dead,) = await runner.dead_letters(timeout=8.0)
    assert json.loads(dead.body)["id"] == str(poison.id)
    assert dead.headers["x-reason"] == "retries_exhausted"
    assert "this one never works" in dead.headers["x-error"]
    # Its group was rolled back and run again one by one: every other event took effect
    # exactly once, the poison not at all.
    for event in events:
        expected = [] if event.id == poison.id else ["once"]
        assert await kit_db.effects(event.id) == expected
        assert await kit_db.inbox_count(event.id) == (0 if event.id == poison.id else 1)
    assert sample_sum("consumer_shared_transaction_failures_total", name) - failures == 1


async def test_a_shared_transaction_waits_briefly_for_a_lock_then_its_deliveries_go_alone(
    infra: TestInfra, kit_db: Any, run_consumer: RunConsumer, eventually: Any
) -> None:
    lock_row = uuid.uuid4()
    async with kit_db.uow() as uow:
        await kit_db.record_effect(uow, lock_row, "the lock")
        await uow.commit()

    async def handler(event: Envelope, uow: Any) -> None:
        if event.id != held.first:  # the first runs alone, before the lock is contended
            await kit_db.lock_effects(uow, lock_row)
        await kit_db.record_effect(uow, event.id, "after the lock")

    held = HeldFirst(handler)
    name = "grouped-locked"
    failures = sample_sum("consumer_shared_transaction_failures_total", name)
    events = [reactivated() for _ in range(5)]
    async with kit_db.uow() as holder:
        # Someone else holds the row for a second: longer than a shared transaction waits.
        await kit_db.lock_effects(holder, lock_row)
        runner = await grouped_run(infra, run_consumer, eventually, name, held, events)
        await eventually(
            lambda: sample_sum("consumer_shared_transaction_failures_total", name) > failures,
            timeout=0.9,
            what="the shared transaction giving up on the lock",
        )
        await asyncio.sleep(0.3)
    await eventually(lambda: len(runner.deliveries) == 5, what="all five handled")
    for event in events:
        assert await kit_db.effects(event.id) == ["after the lock"]
