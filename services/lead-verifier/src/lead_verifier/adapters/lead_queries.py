"""Operators' reads of leads as SQL: a filter's clauses, newest-first keyset pages, counts
(statements only; `Leads` runs them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select, tuple_

from lead_verifier.adapters.orm import lead_email_domain, leads
from lead_verifier.domain.lead_filter import LeadFilter


def _where(where: LeadFilter) -> list[Any]:
    c = leads.c
    clauses: list[Any] = []
    if where.status:
        clauses.append(c.status == where.status.value)
    if where.created_from:
        clauses.append(c.created_at >= where.created_from)
    if where.created_to:
        clauses.append(c.created_at < where.created_to)
    if where.email_domain:
        clauses.append(lead_email_domain == where.email_domain)
    return clauses


def page(where: LeadFilter, *, before: tuple[datetime, UUID] | None, limit: int) -> Select[Any]:
    """Newest first, strictly after the (created_at, id) position `before`: a row comparison,
    which the (…, created_at, id) indexes serve in one range scan."""
    c = leads.c
    clauses = _where(where)
    if before is not None:
        clauses.append(tuple_(c.created_at, c.id) < tuple_(*before))
    return select(leads).where(*clauses).order_by(c.created_at.desc(), c.id.desc()).limit(limit)


def count(where: LeadFilter) -> Select[Any]:
    return select(func.count()).select_from(leads).where(*_where(where))
