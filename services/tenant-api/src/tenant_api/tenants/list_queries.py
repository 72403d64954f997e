"""`GET /tenants` as SQL: a filter's clauses, a newest-first keyset page of ids and its count
(statements only; the repository runs them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select, tuple_

from tenant_api.adapters.filtering import equal, within
from tenant_api.adapters.orm import tenants


@dataclass(frozen=True)
class TenantFilter:
    status: str | None = None
    tier: str | None = None
    key_prefix: str | None = None
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive


def page_ids(
    where: TenantFilter, *, before: tuple[datetime, UUID] | None, limit: int
) -> Select[Any]:
    """Ids of up to `limit` tenants newest first, strictly after the (created_at, id) position
    `before` (a row comparison: the index range starts there, however deep the page)."""
    c = tenants.c
    query = select(c.id).where(*_where(where)).order_by(c.created_at.desc(), c.id.desc())
    if before is not None:
        query = query.where(tuple_(c.created_at, c.id) < tuple_(*before))
    return query.limit(limit)


def count(where: TenantFilter) -> Select[Any]:
    """How many tenants `page_ids` pages through with the same filter."""
    return select(func.count()).select_from(tenants).where(*_where(where))


def _where(where: TenantFilter) -> list[Any]:
    c = tenants.c
    clauses: list[Any] = equal((c.status, where.status), (c.tier, where.tier))
    if where.key_prefix:
        clauses += key_starts_with(where.key_prefix)
    return clauses + within(c.created_at, where.created_from, where.created_to)


def key_starts_with(prefix: str) -> list[Any]:
    """Keys that start with `prefix`, as a range of the `tenants_key_c_idx` index: under the
    database's collation (C.UTF-8 here, a language's elsewhere) `LIKE 'ab%'` is no index range,
    and with the prefix a parameter no cached plan could make it one. In byte order ("C") the
    keys that start with `ab` are exactly those from `ab` up to, not including, `ac`."""
    key = tenants.c.key.collate("C")
    return [key >= prefix, key < prefix[:-1] + chr(ord(prefix[-1]) + 1)]
