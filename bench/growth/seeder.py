"""Seed a migrated database to a year-old control plane's size with INSERT ... SELECT (no API,
no dropped index), then VACUUM (ANALYZE), reporting each table's rows and seconds as it goes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from bench.growth import event_rows, tenant_rows
from bench.growth.volumes import INBOX_SHARES, OUTBOX_SHARES, Volumes

Say = Callable[[str], None]


@dataclass
class SeedReport:
    tables: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: float = 0.0

    def recorded(self) -> dict[str, Any]:
        return {"seconds": round(self.seconds, 1), "tables": self.tables}


def _rows(status: str) -> int:
    """Rows an `INSERT 0 n` / `UPDATE n` status names."""
    return int(status.split()[-1])


async def _step(
    conn: asyncpg.Connection, report: SeedReport, say: Say, table: str, sql: str, *args: Any
) -> int:
    started = time.monotonic()
    rows = _rows(await conn.execute(sql, *args))
    seconds = time.monotonic() - started
    done = report.tables.setdefault(table, {"rows": 0, "seconds": 0.0})
    done["rows"] += rows
    done["seconds"] = round(done["seconds"] + seconds, 1)
    say(f"seeded {table}: {rows:,} rows in {seconds:.1f} s")
    return rows


async def seed(dsn: str, volumes: Volumes, *, name_prefix: str, say: Say) -> SeedReport:
    """Write `volumes` into the services' schemas of `dsn` (migrated, services may be running)."""
    report = SeedReport()
    started = time.monotonic()
    conn = await asyncpg.connect(dsn)
    try:
        # Seeding is set-up, not a workload: no need to wait for each commit's flush.
        await conn.execute("SET synchronous_commit = off")
        await conn.execute("SELECT setseed(0.19)")
        await conn.execute(tenant_rows.TENANTS, volumes.tenants, name_prefix)
        await conn.execute(tenant_rows.FACTS)
        for table, sql in tenant_rows.STATEMENTS:
            args = (volumes.timeline_per_tenant,) if "$1" in sql else ()
            await _step(conn, report, say, table, sql, *args)
        for schema, share in OUTBOX_SHARES.items():
            sql = event_rows.outbox(schema)
            await _step(conn, report, say, f"{schema}.outbox", sql, round(volumes.outbox * share))
        for schema, share in INBOX_SHARES.items():
            sql = event_rows.inbox(schema)
            await _step(conn, report, say, f"{schema}.inbox", sql, round(volumes.inbox * share))
        await _step(
            conn,
            report,
            say,
            "tenant_api.dead_letters",
            event_rows.dead_letters(),
            volumes.dead_letters,
        )
        await _step(
            conn,
            report,
            say,
            "webhook_receiver.deliveries",
            event_rows.deliveries(),
            volumes.webhook_deliveries,
        )
        # VACUUM too: a year-old table has been vacuumed many times (hint bits set, visibility
        # map current), and autovacuum must not be busy with the new rows while they are read.
        analysed = time.monotonic()
        for table in report.tables:
            await conn.execute(f"VACUUM (ANALYZE) {table}")
        say(
            f"vacuumed and analysed {len(report.tables)} tables in "
            f"{time.monotonic() - analysed:.1f} s"
        )
    finally:
        await conn.close()
    report.seconds = time.monotonic() - started
    return report


# Dead letters and webhook receipts a small control plane already has: enough that the lists
# measured on the empty database answer full pages too (50, and the deep dead-letter page 10 %
# from the end), so that both passes render the same number of items and only the data's size
# differs.
PAGE_FLOOR = 600


async def page_floor(dsn: str, rows: int = PAGE_FLOOR) -> None:
    """Give the run's own tenants `rows` parked dead letters and webhook receipts."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "CREATE TEMP TABLE growth_tenant AS SELECT row_number() OVER (ORDER BY id) AS n, id,"
            " gen_random_uuid() AS pipeline_id FROM tenant_api.tenants"
        )
        await conn.execute(event_rows.dead_letters("floor"), rows)
        await conn.execute(event_rows.deliveries("floor"), rows)
        await conn.execute("ANALYZE tenant_api.dead_letters, webhook_receiver.deliveries")
    finally:
        await conn.close()


async def burst(dsn: str, schema: str, rows: int) -> float:
    """Write `rows` outbox rows and mark them published in one transaction (the service's relay
    never sees them pending); seconds taken."""
    started = time.monotonic()
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(event_rows.burst_write(schema), rows)
            await conn.execute(event_rows.burst_publish(schema))
    finally:
        await conn.close()
    return time.monotonic() - started
