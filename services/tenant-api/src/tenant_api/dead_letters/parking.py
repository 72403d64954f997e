"""A message taken from a DLQ as the parking lot stores it: attributed to its service, event,
tenant and original queue from the body and the headers the broker and the outbox wrote, with a
key that knows the same message when it comes again. No I/O."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

# The values of one `dead_letters` row, as inserted.
ParkedRow = dict[str, Any]


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


def parked_row(
    *, queue: str, body: bytes, headers: Mapping[str, Any], message_id: str | None
) -> ParkedRow:
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
