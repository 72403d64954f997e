"""A list's filters as SQL clauses: each filter given narrows the rows, and one left out (None,
or empty text) matches them all, so a query can take them all without asking which were sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement


def equal(*pairs: tuple[ColumnElement[Any], object]) -> list[ColumnElement[bool]]:
    """`column = value` for each (column, value) whose value was given."""
    return [column == value for column, value in pairs if value]


def within(
    column: ColumnElement[Any], since: datetime | None, until: datetime | None
) -> list[ColumnElement[bool]]:
    """`since <= column < until`, for the ends given: a window holds its start, not its end."""
    clauses = [column >= since] if since else []
    return clauses + ([column < until] if until else [])
