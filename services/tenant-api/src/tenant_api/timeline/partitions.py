"""The timeline's months: `tenant_events` is range-partitioned by the month of `occurred_at`.

The service creates each month's partition ahead of time (TIMELINE_PARTITIONS_AHEAD months
after the current one). A row no month holds yet (a clock far ahead, a late event for a dropped
month) lands in `tenant_events_default`, never fails; creating its month moves it there.
Table names in the SQL are this module's constants and `partition_name`'s, never a caller's text.
Everything here runs under one transaction-level advisory lock, so replicas doing it at once
take turns and the second finds the work done.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

TABLE = "tenant_events"
DEFAULT = "tenant_events_default"
# DDL waits at most this long for a lock, so inserts never queue behind it for long; a round
# that gives up tries again on the next.
LOCK_TIMEOUT = "5s"
_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"controlplane:tenant_events partitions").digest()[:8], "big", signed=True
)
_BOUND = re.compile(r"FOR VALUES FROM \((.+)\) TO \((.+)\)")


@dataclass(frozen=True)
class Partition:
    """One partition and the range of `occurred_at` it holds; None: unbounded on that side."""

    name: str
    start: datetime | None
    end: datetime | None

    def holds(self, at: datetime) -> bool:
        return (self.start is None or self.start <= at) and (self.end is None or at < self.end)


def month_of(at: datetime) -> datetime:
    """The first instant of `at`'s month, in UTC."""
    at = at.astimezone(UTC)
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def add_months(month: datetime, count: int) -> datetime:
    index = month.year * 12 + month.month - 1 + count
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def partition_name(month: datetime) -> str:
    return f"{TABLE}_y{month.year:04d}m{month.month:02d}"


async def lock(conn: AsyncConnection) -> None:
    """Take the partitions' lock for the rest of `conn`'s transaction (and read times in UTC)."""
    await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    await conn.execute(text("SET LOCAL TimeZone = 'UTC'"))
    await conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))


async def months(conn: AsyncConnection) -> list[Partition]:
    """The partitions other than DEFAULT, oldest first."""
    rows = await conn.execute(
        text(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i"
            " JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = to_regclass(:table)"
        ),
        {"table": TABLE},
    )
    found = []
    for name, bound in rows.all():
        match = _BOUND.fullmatch(bound)
        if match is not None:  # DEFAULT has no range
            found.append(Partition(name, _instant(match[1]), _instant(match[2])))
    return sorted(found, key=lambda p: p.start or datetime.min.replace(tzinfo=UTC))


def _instant(literal: str) -> datetime | None:
    if literal == "MINVALUE" or literal == "MAXVALUE":
        return None
    return datetime.fromisoformat(literal.strip("'"))


async def ensure_months(conn: AsyncConnection, *, now: datetime, ahead: int) -> list[str]:
    """Create the partitions of the current month and the `ahead` after it that no partition
    holds yet; the names created (none when another replica did it first)."""
    await lock(conn)
    existing = await months(conn)
    created = []
    for month in (add_months(month_of(now), n) for n in range(ahead + 1)):
        if any(p.holds(month) for p in existing):
            continue
        await create_month(conn, month)
        created.append(partition_name(month))
    return created


async def create_month(conn: AsyncConnection, month: datetime) -> None:
    """A month's partition, with the DEFAULT partition's rows of that month moved into it
    (ATTACH refuses while DEFAULT holds any)."""
    name, start, end = partition_name(month), month, add_months(month, 1)
    bounds = {"start": start, "end": end}
    await conn.execute(
        text(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    )
    move = (
        f"WITH moved AS (DELETE FROM {DEFAULT} WHERE occurred_at >= :start"  # noqa: S608
        f" AND occurred_at < :end RETURNING *) INSERT INTO {name} SELECT * FROM moved"
    )
    await conn.execute(text(move), bounds)
    await conn.execute(
        text(
            f"ALTER TABLE {TABLE} ATTACH PARTITION {name}"
            f" FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
        )
    )


async def unpartitioned_rows(conn: AsyncConnection) -> int:
    """Rows in the DEFAULT partition: each one a month the service has not created yet."""
    count = text(f"SELECT count(*) FROM {DEFAULT}")  # noqa: S608 (a constant)
    return int((await conn.execute(count)).scalar_one())
