"""Invoices recorded from `billing.invoice_issued`, and paying them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Row, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tenant_api.adapters.orm import invoices
from tenant_api.domain.invoice import PAYABLE, InvoiceStatus

_ADD_ONCE = insert(invoices).on_conflict_do_nothing()  # built once


async def add_once(session: AsyncSession, **values: Any) -> None:
    """Insert the invoice; the same invoice id again changes nothing."""
    await session.execute(_ADD_ONCE, values)


async def list_for(
    session: AsyncSession, tenant_id: UUID, *, status: InvoiceStatus | None = None
) -> list[Row[Any]]:
    query = (
        select(invoices)
        .where(invoices.c.tenant_id == tenant_id)
        .order_by(invoices.c.period_start, invoices.c.created_at, invoices.c.id)
    )
    if status is not None:
        query = query.where(invoices.c.status == status)
    return list((await session.execute(query)).all())


async def get(session: AsyncSession, tenant_id: UUID, invoice_id: UUID) -> Row[Any] | None:
    query = select(invoices).where(invoices.c.tenant_id == tenant_id, invoices.c.id == invoice_id)
    return (await session.execute(query)).first()


async def mark_paid(session: AsyncSession, tenant_id: UUID, invoice_id: UUID) -> Row[Any] | None:
    """PENDING → PAID in one statement; None if the invoice is not (or no longer) payable.

    Two concurrent payments cannot both succeed: the second waits for the first's row lock,
    then no longer matches `status = PENDING`.
    """
    query = (
        update(invoices)
        .where(
            invoices.c.tenant_id == tenant_id,
            invoices.c.id == invoice_id,
            invoices.c.status.in_(PAYABLE),
        )
        .values(status=InvoiceStatus.PAID, paid_at=func.now())
        .returning(*invoices.c)
    )
    return (await session.execute(query)).first()
