"""The dead-letter parking lot: rows kept from every service's DLQ, and what operators did."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.retention import RetentionRule
from tenant_api.adapters.orm import dead_letter_actions, dead_letters, tenant_events

PARKED = "PARKED"
REPLAYED = "REPLAYED"
DISCARDED = "DISCARDED"

# Bookkeeping of earlier trips through retries and DLQs: not sent again on replay.
BOOKKEEPING_HEADERS = frozenset(
    {
        "x-death",
        "x-attempt",
        "x-outage-since",
        "x-delivery-count",
        "x-first-death-queue",
        "x-first-death-reason",
        "x-first-death-exchange",
        "x-last-death-queue",
        "x-last-death-reason",
        "x-last-death-exchange",
    }
)


def json_safe(value: Any) -> Any:
    """Header values as JSON PostgreSQL can store (bytes as text or base64, times as ISO)."""
    if isinstance(value, Mapping):
        return {str(k).replace("\x00", ""): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(v) for v in value]
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(raw).decode()}
        return text.replace("\x00", "")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value).replace("\x00", "")


@dataclass(frozen=True)
class Filters:
    service: str | None = None
    event_type: str | None = None
    tenant_id: UUID | None = None
    reason: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    status: str | None = None


def parked_row(
    *, queue: str, body: bytes, headers: Mapping[str, Any], message_id: str | None
) -> dict[str, Any]:
    """The row for one message taken from `queue` (a DLQ)."""
    safe: dict[str, Any] = json_safe(dict(headers))
    deaths = safe.get("x-death") if isinstance(safe.get("x-death"), list) else []
    first_death = deaths[-1] if deaths and isinstance(deaths[-1], dict) else {}
    canonical = json.dumps(safe, sort_keys=True, default=str).encode()
    dedupe = hashlib.sha256(body + b"\n" + canonical).hexdigest()
    if message_id:
        dedupe = f"{message_id[:200]}:{dedupe}"
    try:
        text: str | None = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and "\x00" in text:
        text = None
    event: dict[str, Any] = {}
    if text is not None:
        try:
            parsed = json.loads(text)
            event = parsed if isinstance(parsed, dict) else {}
        except ValueError:
            event = {}
    service = _str(safe.get("x-service")) or queue.removesuffix(".dlq").rsplit(".", 1)[-1]
    reason = _str(safe.get("x-reason")) or _str(first_death.get("reason")) or "unknown"
    routing_keys = first_death.get("routing-keys")
    first_key = routing_keys[0] if isinstance(routing_keys, list) and routing_keys else None
    return {
        "id": uuid.uuid4(),
        "service": service[:100],
        "queue": queue,
        "dedupe_key": dedupe,
        "original_queue": _str(safe.get("x-original-queue")) or _str(first_death.get("queue")),
        "original_exchange": _str(safe.get("x-original-exchange"))
        or _str(first_death.get("exchange")),
        "original_routing_key": _str(safe.get("x-original-routing-key")) or _str(first_key),
        "message_id": message_id[:255] if message_id else None,
        # A body that cannot be read still came with the outbox's headers naming its event.
        "event_id": _uuid(event.get("id")) or _uuid(safe.get("x-event-id")),
        "event_type": (_str(event.get("type")) or "")[:100] or None,
        "tenant_id": _uuid(event.get("tenant_id")) or _uuid(safe.get("x-tenant-id")),
        "correlation_id": _uuid(event.get("correlation_id")) or _uuid(safe.get("x-correlation-id")),
        "reason": reason[:100],
        "error": _str(safe.get("x-error")),
        "headers": safe,
        "body": body,
        "body_text": text,
        "dead_lettered_at": _millis(safe.get("x-dead-lettered-at")),
    }


async def park(session: AsyncSession, row: dict[str, Any]) -> bool:
    """Store a dead letter once; False if this very message was stored before (redelivery)."""
    result = await session.execute(
        pg_insert(dead_letters)
        .values(**row)
        .on_conflict_do_nothing(constraint="dead_letters_queue_dedupe_uq")
        .returning(dead_letters.c.id)
    )
    return result.first() is not None


def _where(filters: Filters) -> list[Any]:
    c = dead_letters.c
    clauses: list[Any] = []
    if filters.service:
        clauses.append(c.service == filters.service)
    if filters.event_type:
        clauses.append(c.event_type == filters.event_type)
    if filters.tenant_id:
        clauses.append(c.tenant_id == filters.tenant_id)
    if filters.reason:
        clauses.append(c.reason == filters.reason)
    if filters.since:
        clauses.append(c.stored_at >= filters.since)
    if filters.until:
        clauses.append(c.stored_at < filters.until)
    if filters.status:
        clauses.append(c.status == filters.status)
    return clauses


async def page(
    session: AsyncSession,
    filters: Filters,
    *,
    before: tuple[datetime, UUID] | None,
    limit: int,
) -> list[Row[Any]]:
    """Newest first, keyset-paged by (stored_at, id)."""
    c = dead_letters.c
    clauses = _where(filters)
    if before is not None:
        at, row_id = before
        clauses.append(or_(c.stored_at < at, and_(c.stored_at == at, c.id < row_id)))
    query = (
        select(dead_letters).where(*clauses).order_by(c.stored_at.desc(), c.id.desc()).limit(limit)
    )
    return list((await session.execute(query)).all())


async def oldest_parked(
    session: AsyncSession, filters: Filters, limit: int, *, parked_after: datetime
) -> list[Row[Any]]:
    """PARKED letters matching `filters`, oldest first, parked after `parked_after` (older ones
    are past the replay window: left out, so that they never fill a batch)."""
    c = dead_letters.c
    query = (
        select(dead_letters)
        .where(*_where(filters), c.status == PARKED, c.stored_at > parked_after)
        .order_by(c.stored_at, c.id)
        .limit(limit)
    )
    return list((await session.execute(query)).all())


async def count_parked_before(session: AsyncSession, filters: Filters, cutoff: datetime) -> int:
    """PARKED letters matching `filters` parked at or before `cutoff`."""
    c = dead_letters.c
    query = (
        select(func.count())
        .select_from(dead_letters)
        .where(*_where(filters), c.status == PARKED, c.stored_at <= cutoff)
    )
    return int((await session.execute(query)).scalar_one())


async def get(session: AsyncSession, dead_letter_id: UUID) -> Row[Any] | None:
    query = select(dead_letters).where(dead_letters.c.id == dead_letter_id)
    return (await session.execute(query)).first()


async def actions(session: AsyncSession, dead_letter_id: UUID) -> list[Row[Any]]:
    c = dead_letter_actions.c
    query = select(dead_letter_actions).where(c.dead_letter_id == dead_letter_id).order_by(c.at)
    return list((await session.execute(query)).all())


async def act(
    session: AsyncSession,
    row: Row[Any],
    *,
    action: str,
    actor: str,
    reason: str | None = None,
) -> None:
    """Mark REPLAYED or DISCARDED, audit it, and put it on the tenant's timeline."""
    now = datetime.now(UTC)
    c = dead_letters.c
    if action == REPLAYED:
        values: dict[str, Any] = {
            "status": REPLAYED,
            "replayed_at": now,
            "replay_count": c.replay_count + 1,
            "acted_by": actor,
            "resolved_at": now,
        }
    else:
        values = {
            "status": DISCARDED,
            "discarded_reason": reason,
            "acted_by": actor,
            "resolved_at": now,
        }
    await session.execute(update(dead_letters).where(c.id == row.id).values(**values))
    await session.execute(
        insert(dead_letter_actions).values(
            id=uuid.uuid4(),
            dead_letter_id=row.id,
            action=action,
            actor=actor,
            reason=reason,
            at=now,
        )
    )
    if row.tenant_id is not None:
        verb = "replayed" if action == REPLAYED else "discarded"
        await session.execute(
            insert(tenant_events).values(
                event_id=uuid.uuid4(),
                tenant_id=row.tenant_id,
                type=f"dead_letter.{verb}",
                occurred_at=now,
                producer="tenant-api",
                summary=f"dead letter {verb}: {row.event_type or 'unknown event'}",
                data={
                    "deadLetterId": str(row.id),
                    "service": row.service,
                    "eventId": str(row.event_id) if row.event_id else None,
                    "eventType": row.event_type,
                    "actor": actor,
                    "reason": reason,
                },
            )
        )


def retention(keep_for: timedelta) -> RetentionRule:
    """Resolved letters go `keep_for` after they were resolved; PARKED ones are never pruned.
    Their actions and timeline entries stay: they are the audit."""
    return RetentionRule(
        dead_letters,
        "resolved_at",
        keep_for,
        only=lambda table: table.c.status.in_([REPLAYED, DISCARDED]),
    )


def event_occurred_at(row: Row[Any]) -> datetime | None:
    """When the dead letter's event happened (its envelope's `occurred_at`), if readable."""
    try:
        parsed = json.loads(row.body_text) if row.body_text else None
        value = parsed.get("occurred_at") if isinstance(parsed, dict) else None
        at = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at


def replay_headers(row: Row[Any]) -> dict[str, Any]:
    headers = {k: v for k, v in (row.headers or {}).items() if k not in BOOKKEEPING_HEADERS}
    headers["x-replayed-from"] = str(row.id)
    return headers


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


def _millis(value: Any) -> datetime | None:
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None
