"""Invoices recorded from `billing.invoice_issued`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Row, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tenant_api.adapters.orm import invoices


async def add_once(session: AsyncSession, **values: Any) -> None:
    """Insert the invoice; the same invoice id again changes nothing."""
    await session.execute(insert(invoices).values(**values).on_conflict_do_nothing())


async def list_for(session: AsyncSession, tenant_id: UUID) -> list[Row[Any]]:
    query = (
        select(invoices)
        .where(invoices.c.tenant_id == tenant_id)
        .order_by(invoices.c.period_start, invoices.c.created_at, invoices.c.id)
    )
    return list((await session.execute(query)).all())
