"""Builders for the column and index shapes every service's tables repeat.

Each names a shape once (a UUID key, a moment, a flag off by default, ...) so that a table
reads as what its columns mean; the DDL is exactly what the spelled-out `sa.Column` gave.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


def key(name: str = "id", *, comment: str | None = None) -> sa.Column[Any]:
    """A UUID primary key."""
    return sa.Column(name, sa.Uuid, primary_key=True, comment=comment)


def ref(name: str, *, comment: str | None = None) -> sa.Column[Any]:
    """A UUID every row has: most often another row's id (a tenant, a pipeline, an event)."""
    return sa.Column(name, sa.Uuid, nullable=False, comment=comment)


def moment(name: str, *, nullable: bool = True, comment: str | None = None) -> sa.Column[Any]:
    """A point in time, with its offset; unset until it happens unless `nullable=False`."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, comment=comment)


def stamped(name: str) -> sa.Column[Any]:
    """A time the database sets when the row is written (every service's tables have some)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def flag(name: str) -> sa.Column[Any]:
    """A yes/no that starts as no."""
    return sa.Column(name, sa.Boolean, nullable=False, server_default=sa.text("false"))


def counter(name: str) -> sa.Column[Any]:
    """A count that starts at zero."""
    return sa.Column(name, sa.Integer, nullable=False, server_default=sa.text("0"))


def json_object(name: str) -> sa.Column[Any]:
    """A JSON object that starts empty."""
    return sa.Column(name, JSONB, nullable=False, server_default=sa.text("'{}'::jsonb"))


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> sa.Index:
    """An index of the rows `where` holds (PostgreSQL); `unique` makes it a constraint on them."""
    return sa.Index(name, *columns, unique=unique, postgresql_where=sa.text(where))
