"""The dead-letter repository's queries: an operator's filters as SQL, newest-first keyset pages,
and the oldest PARKED ones a bulk replay takes (statements only; the repository runs them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select, tuple_

from tenant_api.adapters.filtering import equal, within
from tenant_api.adapters.orm import dead_letters
from tenant_api.domain.dead_letters import PARKED, Filters


def _where(filters: Filters) -> list[Any]:
    c = dead_letters.c
    return [
        *equal(
            (c.service, filters.service),
            (c.event_type, filters.event_type),
            (c.tenant_id, filters.tenant_id),
            (c.reason, filters.reason),
        ),
        *within(c.stored_at, filters.since, filters.until),
        *equal((c.status, filters.status)),
    ]


def page(filters: Filters, *, before: tuple[datetime, UUID] | None, limit: int) -> Select[Any]:
    """Newest first, keyset-paged by (stored_at, id): the position a row comparison, which an
    index on (…, stored_at, id) starts its range at however deep the page (`a < x OR (a = x AND
    id < y)` it cannot: it would read every newer row again)."""
    c = dead_letters.c
    clauses = _where(filters)
    if before is not None:
        clauses.append(tuple_(c.stored_at, c.id) < tuple_(*before))
    return (
        select(dead_letters).where(*clauses).order_by(c.stored_at.desc(), c.id.desc()).limit(limit)
    )


def oldest_parked(filters: Filters, limit: int, *, parked_after: datetime) -> Select[Any]:
    """PARKED letters matching `filters`, oldest first, parked after `parked_after` (older ones
    are past the replay window: left out, so that they never fill a batch)."""
    c = dead_letters.c
    return (
        select(dead_letters)
        .where(*_where(filters), c.status == PARKED, c.stored_at > parked_after)
        .order_by(c.stored_at, c.id)
        .limit(limit)
    )


def count_parked_before(filters: Filters, cutoff: datetime) -> Select[Any]:
    """PARKED letters matching `filters` parked at or before `cutoff`."""
    c = dead_letters.c
    return (
        select(func.count())
        .select_from(dead_letters)
        .where(*_where(filters), c.status == PARKED, c.stored_at <= cutoff)
    )
