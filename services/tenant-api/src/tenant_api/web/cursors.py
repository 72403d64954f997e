"""Opaque keyset cursors: a (time, id) position, base64url-encoded."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from uuid import UUID

from service_kit.problems import Unprocessable


def encode(at: datetime, row_id: UUID) -> str:
    raw = f"{at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, *, param: str) -> tuple[datetime, UUID]:
    """The position in `cursor`; 422 naming the query parameter `param` if it is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, row_id = raw.partition("|")
        when = datetime.fromisoformat(at)
        if when.tzinfo is None:
            raise ValueError("naive time")
        return when.astimezone(UTC), UUID(row_id)
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError) as exc:
        msg = "not a cursor this API returned"
        raise Unprocessable(
            f"The `{param}` cursor is not valid.",
            errors=[{"loc": ["query", param], "msg": msg, "type": "invalid_cursor"}],
        ) from exc
