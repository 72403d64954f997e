"""The timeline's monthly partitions on a database of their own: the migration keeps the rows
there were, rows land in their month, pages cross a month boundary, the upkeep creates months
once however many replicas run it, DEFAULT catches a row no month holds, and retention archives
and drops an expired month while it keeps a live one."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.dialects.postgresql import asyncpg as postgresql_asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from service_kit.exports import FileExportStore
from service_kit.migrations import drop_database, ensure_database, upgrade
from service_kit_testing import TestInfra
from tenant_api.domain.audit import AuditFilter
from tenant_api.timeline.maintenance import upkeep_round
from tenant_api.timeline.partitions import ensure_months
from tenant_api.timeline.repository import TimelineRepository, page_query

SERVICE_DIR = Path(__file__).resolve().parents[2]
# Months far ahead of any real clock, so every one of them comes after the migrated history.
JAN, FEB, MAR, APR = (datetime(2090, month, 1, tzinfo=UTC) for month in (1, 2, 3, 4))
TENANT = uuid.uuid4()


@pytest.fixture
async def engine(infra: TestInfra) -> AsyncIterator[AsyncEngine]:
    """A database migrated to the plain timeline, two rows written, then migrated to head."""
    url = (
        make_url(infra.database_url)
        .set(database=f"cp_test_{infra.run_id}_timeline")
        .render_as_string(hide_password=False)
    )
    await drop_database(url)
    await ensure_database(url)
    engine = create_async_engine(
        url,
        poolclass=NullPool,
        connect_args={"server_settings": {"search_path": "tenant_api"}},
    )
    try:
        await asyncio.to_thread(upgrade, SERVICE_DIR, url, "0014")
        for at in (datetime(2025, 1, 10, tzinfo=UTC), datetime(2025, 2, 10, tzinfo=UTC)):
            await _insert(engine, at)
        await asyncio.to_thread(upgrade, SERVICE_DIR, url)
        yield engine
    finally:
        await engine.dispose()
        await drop_database(url)


async def _insert(
    engine: AsyncEngine, at: datetime, event_id: uuid.UUID | None = None
) -> uuid.UUID:
    event_id = event_id or uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO tenant_events (event_id, tenant_id, type, occurred_at, producer,"
                " summary, data, actor) VALUES (:id, :tenant, 'tenant.updated', :at, 'tenant-api',"
                ' \'tenant: updated: name\', \'{}\', \'{"sub": "ops:ada", "role": "admin"}\')'
            ),
            {"id": event_id, "tenant": TENANT, "at": at},
        )
    return event_id


async def _where(engine: AsyncEngine) -> dict[uuid.UUID, str]:
    """Each row's partition."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT event_id, tableoid::regclass::text FROM tenant_events")
        )
    return {row[0]: row[1] for row in rows}


async def _upkeep(engine: AsyncEngine, tmp_path: Path, now: datetime, **kw: Any) -> Any:
    store = FileExportStore(tmp_path.as_uri())
    return await upkeep_round(
        engine, store, now=now, ahead=kw.get("ahead", 2), keep_months=kw.get("keep_months", 0)
    )


async def test_old_rows_stay_and_new_ones_land_in_their_month(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    assert set((await _where(engine)).values()) == {"tenant_events_history"}

    done = await _upkeep(engine, tmp_path, JAN + timedelta(days=14))
    assert done.created == [
        "tenant_events_y2090m01",
        "tenant_events_y2090m02",
        "tenant_events_y2090m03",
    ]
    jan = await _insert(engine, JAN + timedelta(days=30, hours=23))
    feb = await _insert(engine, FEB)
    where = await _where(engine)
    assert (where[jan], where[feb]) == ("tenant_events_y2090m01", "tenant_events_y2090m02")
    # A duplicate delivery of an event is still a no-op (the key is (event_id, occurred_at)).
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO tenant_events SELECT * FROM tenant_events WHERE event_id = :id"
                " ON CONFLICT DO NOTHING"
            ),
            {"id": jan},
        )
    assert len(await _where(engine)) == 4


async def test_default_partition_catches_a_far_future_row_until_its_month_exists(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    await _upkeep(engine, tmp_path, JAN)
    far = await _insert(engine, datetime(2099, 5, 20, tzinfo=UTC))
    assert (await _where(engine))[far] == "tenant_events_default"
    assert (await _upkeep(engine, tmp_path, JAN)).unpartitioned == 1

    done = await _upkeep(engine, tmp_path, datetime(2099, 5, 1, tzinfo=UTC), ahead=0)
    assert done.created == ["tenant_events_y2099m05"]
    assert done.unpartitioned == 0
    assert (await _where(engine))[far] == "tenant_events_y2099m05"


async def test_replicas_creating_months_at_once_create_each_once(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    async def replica() -> list[str]:
        async with engine.begin() as conn:
            return await ensure_months(conn, now=JAN, ahead=3)

    created = await asyncio.gather(*(replica() for _ in range(4)))
    assert sorted(name for names in created for name in names) == [
        "tenant_events_y2090m01",
        "tenant_events_y2090m02",
        "tenant_events_y2090m03",
        "tenant_events_y2090m04",
    ]
    assert (await _upkeep(engine, tmp_path, JAN, ahead=3)).created == []


async def test_pages_cross_a_month_boundary_in_order(engine: AsyncEngine, tmp_path: Path) -> None:
    await _upkeep(engine, tmp_path, JAN)
    last_of_jan = FEB - timedelta(microseconds=1)
    written = [
        await _insert(engine, at)
        for at in (last_of_jan, last_of_jan, last_of_jan, FEB, FEB, FEB + timedelta(seconds=1))
    ]
    async with engine.connect() as conn:
        session = AsyncSession(bind=conn)
        repo = TimelineRepository(session)
        forward: list[tuple[datetime, uuid.UUID]] = []
        after = (JAN, uuid.UUID(int=0))
        while page := await repo.page(TENANT, after=after, limit=2):
            forward += [(e.occurred_at, e.event_id) for e in page]
            after = forward[-1]
        backward: list[tuple[datetime, uuid.UUID]] = []
        before = None
        while page := await repo.audit_page(AuditFilter(actor="ops:ada"), before=before, limit=2):
            backward += [(e.occurred_at, e.event_id) for e in page]
            before = backward[-1]
            if len(page) < 2:
                break
    assert [e for _, e in forward] == [e for _, e in sorted(forward)]
    assert sorted(e for _, e in forward) == sorted(written)
    newest_first = [e for _, e in backward if e in written]
    assert newest_first == [e for _, e in reversed(forward)]


async def test_retention_archives_and_drops_an_expired_month_and_keeps_a_live_one(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    await _upkeep(engine, tmp_path, JAN, ahead=3)
    expired = [await _insert(engine, JAN + timedelta(days=3)), await _insert(engine, FEB)]
    live = await _insert(engine, MAR + timedelta(days=2))

    done = await _upkeep(engine, tmp_path, APR + timedelta(days=9), keep_months=1)

    assert done.dropped == [
        "tenant_events_history",
        "tenant_events_y2090m01",
        "tenant_events_y2090m02",
    ]
    assert list(await _where(engine)) == [live]
    archived = tmp_path / "timeline-archive" / "tenant_events_y2090m01"
    manifest = json.loads((archived / "MANIFEST.json").read_text())
    assert (manifest["rows"], manifest["from"]) == (1, JAN.isoformat())
    line = json.loads((archived / "tenant_events.jsonl").read_text())
    assert (line["id"], line["tenantId"], line["actor"]["sub"]) == (
        str(expired[0]),
        str(TENANT),
        "ops:ada",
    )
    history = tmp_path / "timeline-archive" / "tenant_events_history" / "MANIFEST.json"
    assert json.loads(history.read_text())["rows"] == 2
    # Another round (another replica) finds nothing more to drop.
    assert (await _upkeep(engine, tmp_path, APR + timedelta(days=9), keep_months=1)).dropped == []


async def test_a_cursor_page_in_a_cached_generic_plan_skips_the_months_before_the_cursor(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    await _upkeep(engine, tmp_path, JAN, ahead=3)
    compiled = page_query(TENANT, (MAR, uuid.UUID(int=0)), 11).compile(
        dialect=postgresql_asyncpg.dialect()
    )
    values = ", ".join(
        f"'{value.isoformat() if isinstance(value, datetime) else value}'"
        for value in (compiled.params[name] for name in compiled.positiontup or ())
    )
    async with engine.connect() as conn:
        await conn.execute(text("SET plan_cache_mode = force_generic_plan"))
        await conn.exec_driver_sql(f"PREPARE timeline_page AS {compiled}")
        plan = await conn.exec_driver_sql(
            f"EXPLAIN (ANALYZE, COSTS OFF) EXECUTE timeline_page({values})"
        )
        text_plan = "\n".join(row[0] for row in plan)
    assert "Subplans Removed: 3" in text_plan, text_plan  # history, January, February
    assert "tenant_events_y2090m03_tenant_id_occurred_at_event_id_idx" in text_plan, text_plan
