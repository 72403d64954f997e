"""An audit export: every matching entry as CSV or JSON lines, read and sent in keyset batches.

Each batch is one short query in a transaction of its own, written out before the next is
read, so an export of any size holds one batch in memory and no transaction while the client
reads. Entries recorded after the export began and newer than its first batch are not in it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi.responses import StreamingResponse

from tenant_api.audit.models import audit_entry_out
from tenant_api.domain.audit import AuditFilter
from tenant_api.domain.timeline import TimelineEntry
from tenant_api.runtime import Runtime

Format = Literal["csv", "jsonl"]
MEDIA_TYPES: dict[Format, str] = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
}
CSV_HEADER = (
    "id",
    "occurredAt",
    "tenantId",
    "type",
    "actorSub",
    "actorRole",
    "producer",
    "summary",
    "data",
)
# A spreadsheet runs a cell that starts with one of these as a formula: such a cell is sent
# with a leading `'` (OWASP's advice for CSV injection), which spreadsheets show as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export(runtime: Runtime, where: AuditFilter, fmt: Format) -> StreamingResponse:
    """The streamed answer: an attachment named by the moment it was asked for."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    render = _csv if fmt == "csv" else _jsonl
    return StreamingResponse(
        _chunks(runtime, where, render, header=fmt == "csv"),
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="audit-{stamp}.{fmt}"',
            "Cache-Control": "no-store",
        },
    )


async def entries(runtime: Runtime, where: AuditFilter) -> AsyncIterator[list[TimelineEntry]]:
    """Every entry matching `where`, newest first, in batches of AUDIT_EXPORT_BATCH."""
    size = runtime.settings.audit_export_batch
    position = None
    while True:
        async with runtime.uow() as uow:
            batch = await uow.timeline.audit_page(where, before=position, limit=size)
        if batch:
            yield batch
        if len(batch) < size:
            return
        position = (batch[-1].occurred_at, batch[-1].event_id)


async def _chunks(
    runtime: Runtime,
    where: AuditFilter,
    render: Callable[[Iterable[TimelineEntry]], str],
    *,
    header: bool,
) -> AsyncIterator[bytes]:
    if header:
        yield _csv_rows([CSV_HEADER]).encode()
    async for batch in entries(runtime, where):
        yield render(batch).encode()


def _jsonl(batch: Iterable[TimelineEntry]) -> str:
    return "".join(audit_entry_out(line).model_dump_json(by_alias=True) + "\n" for line in batch)


def _csv(batch: Iterable[TimelineEntry]) -> str:
    return _csv_rows(_csv_row(audit_entry_out(line).model_dump(mode="json")) for line in batch)


def _csv_row(entry: dict[str, Any]) -> tuple[str, ...]:
    """The entry's cells in CSV_HEADER's order, `data` as JSON; times and ids as in JSON."""
    actor = entry["actor"] or {"sub": "", "role": ""}
    return (
        entry["id"],
        entry["occurred_at"],
        entry["tenant_id"],
        entry["type"],
        actor["sub"],
        actor["role"],
        entry["producer"],
        entry["summary"],
        json.dumps(entry["data"], separators=(",", ":"), ensure_ascii=False),
    )


def _csv_rows(rows: Iterable[Iterable[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([_inert(cell) for cell in row] for row in rows)
    return out.getvalue()


def _inert(cell: str) -> str:
    return f"'{cell}" if cell.startswith(_FORMULA_START) else cell
