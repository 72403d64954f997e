"""The retention job against the real PostgreSQL: what is old goes, once; the rest stays."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, insert, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service_kit.db import make_engine, make_sessionmaker
from service_kit.orm_tables import inbox_table, kit_metadata, outbox_table
from service_kit.retention import PRUNED, Pruner, kit_rules, prune_round
from service_kit.settings import ServiceSettings
from service_kit.tasks import cancel_and_wait

SCHEMA = "kit_retention_test"  # its own: other kit tests' rows must not be counted here
NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
async def sessions(
    kit_settings: ServiceSettings,
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(kit_settings.database_url, schema=SCHEMA, pool_size=5)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"'))
        await conn.run_sync(kit_metadata.create_all)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


@pytest.fixture(autouse=True)
async def empty_tables(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        await session.execute(delete(outbox_table))
        await session.execute(delete(inbox_table))


def settings(base: ServiceSettings, **changes: object) -> ServiceSettings:
    return base.model_copy(
        update={"outbox_retention_days": 7.0, "inbox_retention_days": 30.0, **changes}
    )


async def add_outbox(
    sessions: async_sessionmaker[AsyncSession], *, age: timedelta, published: bool
) -> uuid.UUID:
    row_id = uuid.uuid4()
    at = NOW - age
    async with sessions() as session, session.begin():
        await session.execute(
            insert(outbox_table).values(
                id=row_id,
                event_type="tenant.suspended",
                routing_key="tenant.suspended",
                payload=b"{}",
                created_at=at,
                published_at=at if published else None,
            )
        )
    return row_id


async def add_inbox(sessions: async_sessionmaker[AsyncSession], *, age: timedelta) -> uuid.UUID:
    event_id = uuid.uuid4()
    async with sessions() as session, session.begin():
        await session.execute(
            insert(inbox_table).values(
                event_id=event_id, consumer="kit-test", event_type="x", processed_at=NOW - age
            )
        )
    return event_id


async def outbox_ids(sessions: async_sessionmaker[AsyncSession]) -> set[uuid.UUID]:
    async with sessions() as session:
        return set((await session.execute(select(outbox_table.c.id))).scalars())


async def inbox_ids(sessions: async_sessionmaker[AsyncSession]) -> set[uuid.UUID]:
    async with sessions() as session:
        return set((await session.execute(select(inbox_table.c.event_id))).scalars())


def pruned_metric(table: str) -> float:
    return PRUNED.labels(table)._value.get()


async def test_old_rows_go_and_recent_and_unpublished_ones_stay(
    sessions: async_sessionmaker[AsyncSession], kit_settings: ServiceSettings
) -> None:
    old_published = await add_outbox(sessions, age=timedelta(days=8), published=True)
    recent_published = await add_outbox(sessions, age=timedelta(days=6), published=True)
    # Never published, however old: the relay still owes it to the broker.
    old_unpublished = await add_outbox(sessions, age=timedelta(days=90), published=False)
    old_inbox = await add_inbox(sessions, age=timedelta(days=31))
    recent_inbox = await add_inbox(sessions, age=timedelta(days=29))
    outbox_before, inbox_before = pruned_metric("outbox"), pruned_metric("inbox")

    pruned = await prune_round(sessions, kit_rules(settings(kit_settings)), batch=10, now=NOW)

    assert pruned == {"outbox": 1, "inbox": 1}
    assert await outbox_ids(sessions) == {recent_published, old_unpublished}
    assert old_published not in await outbox_ids(sessions)
    assert await inbox_ids(sessions) == {recent_inbox}
    assert old_inbox not in await inbox_ids(sessions)
    assert pruned_metric("outbox") - outbox_before == 1
    assert pruned_metric("inbox") - inbox_before == 1


async def test_a_round_goes_on_in_batches_until_nothing_expired_is_left(
    sessions: async_sessionmaker[AsyncSession], kit_settings: ServiceSettings
) -> None:
    for _ in range(25):
        await add_inbox(sessions, age=timedelta(days=40))
    keep = await add_inbox(sessions, age=timedelta(days=1))

    pruned = await prune_round(sessions, kit_rules(settings(kit_settings)), batch=4, now=NOW)

    assert pruned == {"inbox": 25}
    assert await inbox_ids(sessions) == {keep}


async def test_concurrent_pruners_delete_each_row_once(
    sessions: async_sessionmaker[AsyncSession], kit_settings: ServiceSettings
) -> None:
    expired = 300
    async with sessions() as session, session.begin():
        await session.execute(
            insert(inbox_table),
            [
                {
                    "event_id": uuid.uuid4(),
                    "consumer": "kit-test",
                    "event_type": "x",
                    "processed_at": NOW - timedelta(days=45),
                }
                for _ in range(expired)
            ],
        )
    keep = await add_inbox(sessions, age=timedelta(hours=1))
    before = pruned_metric("inbox")
    rules = kit_rules(settings(kit_settings))

    # Four pruners at once, in small batches, so that their statements interleave.
    rounds = await asyncio.gather(
        *(prune_round(sessions, rules, batch=7, now=NOW) for _ in range(4))
    )

    counted = sum(r.get("inbox", 0) for r in rounds)
    assert counted == expired
    assert pruned_metric("inbox") - before == expired
    assert await inbox_ids(sessions) == {keep}


async def test_the_pruner_runs_in_the_background_until_cancelled(
    sessions: async_sessionmaker[AsyncSession], kit_settings: ServiceSettings
) -> None:
    old = await add_outbox(sessions, age=timedelta(days=10), published=True)
    keep = await add_outbox(sessions, age=timedelta(days=1), published=True)
    pruner = Pruner(
        settings(kit_settings, retention_interval=0.05), sessions, kit_rules(kit_settings)
    )
    task = asyncio.create_task(pruner.run())
    try:
        deadline = asyncio.get_running_loop().time() + 10
        while old in await outbox_ids(sessions):
            assert asyncio.get_running_loop().time() < deadline, "the pruner never pruned"
            await asyncio.sleep(0.05)
    finally:
        await cancel_and_wait([task])
    assert task.cancelled()
    assert await outbox_ids(sessions) == {keep}


async def test_the_delete_finds_old_rows_through_an_index(
    sessions: async_sessionmaker[AsyncSession], kit_settings: ServiceSettings
) -> None:
    for rule in kit_rules(kit_settings):
        sql = rule.statement(cutoff=NOW, batch=10).compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
        async with sessions() as session, session.begin():
            # Only a missing index leaves the planner a sequential scan to fall back on.
            await session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join((await session.execute(text(f"EXPLAIN {sql}"))).scalars())
        assert "Seq Scan" not in plan, plan
        assert "Tid Scan" in plan, plan


async def test_settings_refuse_an_inbox_shorter_than_the_replay_window() -> None:
    with pytest.raises(ValueError, match="INBOX_RETENTION_DAYS"):
        ServiceSettings(inbox_retention_days=10, dead_letter_replay_days=14)
    with pytest.raises(ValueError, match="INBOX_RETENTION_DAYS"):
        ServiceSettings(inbox_retention_days=15, dead_letter_replay_days=14)  # no margin
    assert ServiceSettings().inbox_retention_days >= ServiceSettings().dead_letter_replay_days + 1
