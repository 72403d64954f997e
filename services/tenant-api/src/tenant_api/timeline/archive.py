"""Timeline retention (off by default): a month past TIMELINE_RETENTION_MONTHS leaves the
database whole, after it was archived.

A partition whose every row is older than the cutoff is written to the export store as
`timeline-archive/<partition>/tenant_events.jsonl` (one entry per line, exactly as an audit
export's JSON lines) with a MANIFEST.json (checksum, size, rows, range), then dropped: no DELETE,
no dead rows to vacuum. All of it is one transaction holding the partitions' lock and the
partition read-locked, so a store that refuses a write drops nothing, and a late event for
that month waits until the month is archived and gone (then it lands in DEFAULT).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from service_kit.exports import ExportStore
from shared_schemas.events import ExportedFile
from tenant_api.audit.models import audit_entry_out
from tenant_api.domain.timeline import TimelineEntry
from tenant_api.timeline.partitions import TABLE, Partition, add_months, lock, month_of, months

FOLDER = "timeline-archive"
_BATCH = 1000


def cutoff(now: datetime, keep_months: int) -> datetime:
    """Months ending at or before this instant are past retention (whole months are kept)."""
    return add_months(month_of(now), -keep_months)


async def drop_expired(
    engine: AsyncEngine, store: ExportStore, *, now: datetime, keep_months: int
) -> list[str]:
    """Archive and drop every partition past retention, one transaction each; their names."""
    dropped: list[str] = []
    while True:
        async with engine.begin() as conn:
            await lock(conn)
            expired = [
                p
                for p in await months(conn)
                if p.end is not None and p.end <= cutoff(now, keep_months)
            ]
            if not expired:
                return dropped
            await archive(conn, store, expired[0])
            await conn.execute(text(f'DROP TABLE "{expired[0].name}"'))
        dropped.append(expired[0].name)


async def archive(conn: AsyncConnection, store: ExportStore, partition: Partition) -> None:
    """Write the partition's rows (no writer may add any meanwhile) and their manifest."""
    await conn.execute(text(f'LOCK TABLE "{partition.name}" IN SHARE MODE'))
    folder = f"{FOLDER}/{partition.name}"
    written: list[ExportedFile] = []
    rows = 0
    async with store.writer(folder, f"{TABLE}.jsonl", written) as out:
        # Keyset batches, not a server-side cursor: an open portal would keep the partition
        # "in use", and DROP refuses that. The name is a partition's, from the catalogue.
        query = text(
            f'SELECT * FROM "{partition.name}" WHERE (occurred_at, event_id) > (:at, :id)'  # noqa: S608
            " ORDER BY occurred_at, event_id LIMIT :limit"
        )
        position: dict[str, Any] = {"at": datetime.min.replace(tzinfo=UTC), "id": UUID(int=0)}
        while batch := (await conn.execute(query, {**position, "limit": _BATCH})).mappings().all():
            lines = [
                audit_entry_out(TimelineEntry(**row)).model_dump_json(by_alias=True)
                for row in batch
            ]
            await out.write("".join(line + "\n" for line in lines).encode())
            rows += len(batch)
            position = {"at": batch[-1]["occurred_at"], "id": batch[-1]["event_id"]}
    manifest = {
        "table": TABLE,
        "partition": partition.name,
        "from": partition.start.isoformat() if partition.start else None,
        "to": partition.end.isoformat() if partition.end else None,
        "rows": rows,
        "files": [f.model_dump() for f in written],
    }
    await store.put(folder, "MANIFEST.json", orjson.dumps(manifest, option=orjson.OPT_INDENT_2), [])
