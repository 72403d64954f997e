"""Opaque keyset cursors: a (time, id) position, base64url-encoded, for newest-first pages."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, TypeVar
from uuid import UUID

from fastapi import Query

from service_kit.problems import Unprocessable

T = TypeVar("T")

After = Annotated[
    str | None, Query(max_length=200, description="`nextCursor` of the previous page.")
]
"""The `after` query parameter of a cursor-paged list."""


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


def position(after: str | None) -> tuple[datetime, UUID] | None:
    """Where the page asked for with `after` starts; None for the first page."""
    return decode(after, param="after") if after else None


def page(
    fetched: Sequence[T], limit: int, key: Callable[[T], tuple[datetime, UUID]]
) -> tuple[list[T], str | None]:
    """A page of `limit` items from `limit + 1` fetched, and the cursor to the next page (None
    when the extra one was not there: this is the last page)."""
    items = list(fetched[:limit])
    return items, encode(*key(items[-1])) if len(fetched) > limit else None
