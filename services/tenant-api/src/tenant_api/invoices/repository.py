"""Invoices recorded from `billing.invoice_issued`, and paying them."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from uuid import UUID

from sqlalchemy import Row, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.rows import from_row
from tenant_api.adapters.orm import invoices
from tenant_api.domain.invoice import PAYABLE, Invoice, InvoiceStatus, IssuedInvoice

_ADD_ONCE = insert(invoices).on_conflict_do_nothing()  # built once


class InvoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_once(self, invoice: IssuedInvoice) -> None:
        """Insert the invoice; the same invoice id again changes nothing."""
        await self._session.execute(_ADD_ONCE, asdict(invoice))

    async def list_for(
        self, tenant_id: UUID, *, status: InvoiceStatus | None = None
    ) -> list[Invoice]:
        query = (
            select(invoices)
            .where(invoices.c.tenant_id == tenant_id)
            .order_by(invoices.c.period_start, invoices.c.created_at, invoices.c.id)
        )
        if status is not None:
            query = query.where(invoices.c.status == status)
        return [_invoice(row) for row in (await self._session.execute(query)).all()]

    async def get(self, tenant_id: UUID, invoice_id: UUID) -> Invoice | None:
        query = select(invoices).where(
            invoices.c.tenant_id == tenant_id, invoices.c.id == invoice_id
        )
        return _invoice_or_none((await self._session.execute(query)).first())

    async def mark_paid(self, tenant_id: UUID, invoice_id: UUID) -> Invoice | None:
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
        return _invoice_or_none((await self._session.execute(query)).first())


def _invoice(row: Row[Any]) -> Invoice:
    return from_row(Invoice, row, status=InvoiceStatus(row.status))


def _invoice_or_none(row: Row[Any] | None) -> Invoice | None:
    return None if row is None else _invoice(row)
