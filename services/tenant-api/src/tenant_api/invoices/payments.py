"""Paying an invoice: PENDING → PAID, once."""

from __future__ import annotations

from uuid import UUID

from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.errors import InvoiceNotFound, InvoiceNotPayable
from tenant_api.domain.invoice import Invoice


async def pay_invoice(tenant_id: UUID, invoice_id: UUID, uow: TenantApiUnitOfWork) -> Invoice:
    """The invoice, PAID now; paying one that is not PENDING (any more) is refused."""
    paid = await uow.invoices.mark_paid(tenant_id, invoice_id)
    if paid is None:
        current = await uow.invoices.get(tenant_id, invoice_id)
        if current is None:
            raise InvoiceNotFound()
        raise InvoiceNotPayable(current.status)
    return paid
