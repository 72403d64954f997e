"""Invoices the provisioner's billing step issued (`billing.invoice_issued`)."""

from __future__ import annotations

import structlog

from shared_schemas.events import InvoiceIssued
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.invoice import IssuedInvoice

log = structlog.get_logger(__name__)


async def record_invoice(event: InvoiceIssued, uow: TenantApiUnitOfWork) -> None:
    """Keep the invoice (PENDING) once, whatever pipeline of the tenant issued it."""
    d = event.data
    if not await uow.tenants.exists(d.tenant_id):
        log.warning("invoice for an unknown tenant; not recorded", invoice_id=str(d.invoice_id))
        return
    await uow.invoices.add_once(IssuedInvoice.of(event))
