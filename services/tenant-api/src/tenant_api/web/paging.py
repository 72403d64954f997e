"""The body of a cursor-paged list: a page of items and the cursor to the next one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Generic, Self, TypeVar
from uuid import UUID

from shared_schemas.api.base import ApiModel
from tenant_api.web import cursors

Item = TypeVar("Item")


class CursorPage(ApiModel, Generic[Item]):
    items: list[Item]
    next_cursor: str | None = None

    @classmethod
    def of(
        cls, fetched: Sequence[Item], limit: int, key: Callable[[Item], tuple[datetime, UUID]]
    ) -> Self:
        """The page of `limit` items from `limit + 1` fetched: the extra one, when it is there,
        only tells that a next page exists (its cursor is the last item's `key`)."""
        items, cursor = cursors.page(fetched, limit, key)
        return cls(items=items, next_cursor=cursor)
