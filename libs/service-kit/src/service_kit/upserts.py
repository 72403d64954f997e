"""`INSERT ... ON CONFLICT (key) DO UPDATE` for rows that whichever message comes first writes
and the later ones complete or overwrite."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import Insert, insert


def upsert(
    table: sa.Table,
    key: sa.Column[Any],
    *,
    taken: Sequence[str] = (),
    fixed: Mapping[str, Any] | None = None,
    touched: str | None = None,
) -> Insert:
    """On a row with the same `key`, the columns `taken` get the new row's values, `fixed` its
    given ones, and `touched` the time of the write."""
    stmt = insert(table)
    changes: dict[str, Any] = {name: stmt.excluded[name] for name in taken}
    changes.update(fixed or {})
    if touched is not None:
        changes[touched] = sa.func.now()
    return stmt.on_conflict_do_update(index_elements=[key], set_=changes)
