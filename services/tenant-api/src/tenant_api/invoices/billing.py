"""Invoices the provisioner's billing step issued (`billing.invoice_issued`)."""

from __future__ import annotations

from decimal import Decimal

import structlog

from service_kit.db import UnitOfWork
from shared_schemas.events import InvoiceIssued
from tenant_api.domain.invoice import InvoiceStatus
from tenant_api.invoices import repository as invoices
from tenant_api.tenants import repository as tenants

log = structlog.get_logger(__name__)


async def record_invoice(event: InvoiceIssued, uow: UnitOfWork) -> None:
    """Keep the invoice (PENDING) once, whatever pipeline of the tenant issued it."""
    d = event.data
    if not await tenants.exists(uow.session, d.tenant_id):
        log.warning("invoice for an unknown tenant; not recorded", invoice_id=str(d.invoice_id))
        return
    await invoices.add_once(
        uow.session,
        id=d.invoice_id,
        tenant_id=d.tenant_id,
        pipeline_id=d.pipeline_id,
        plan_id=d.plan_id,
        amount=Decimal(d.amount),
        currency=d.currency,
        period_start=d.period_start,
        period_end=d.period_end,
        status=InvoiceStatus.PENDING,
    )
