"""`/tenants/{id}/invoices`: invoices recorded from the billing step, and paying them."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import Field, field_serializer

from shared_schemas.api.base import ApiModel
from tenant_api.auth import AdminCaller, TenantReader
from tenant_api.domain.errors import InvoiceNotFound
from tenant_api.domain.invoice import Invoice, InvoiceStatus
from tenant_api.invoices.payments import pay_invoice as pay
from tenant_api.web.errors import tenant_problems
from tenant_api.web.listing import ItemList, read_of_tenant
from tenant_api.web.runtime import RuntimeDep

router = APIRouter(prefix="/tenants", tags=["invoices"])

NO_INVOICE = "No such tenant (or not yours), or no such invoice of it"


class InvoiceOut(ApiModel):
    id: UUID
    tenant_id: UUID
    pipeline_id: UUID
    plan_id: str | None
    amount: Decimal = Field(description="Decimal as text, e.g. `49.00`.")
    currency: str
    period_start: datetime
    period_end: datetime
    status: InvoiceStatus
    created_at: datetime
    paid_at: datetime | None = None

    @field_serializer("amount")
    def _amount(self, value: Decimal) -> str:
        return f"{value:.2f}"


class InvoicePage(ItemList[InvoiceOut]):
    pass


@router.get(
    "/{tenant_id}/invoices",
    response_model=InvoicePage,
    responses=tenant_problems(r422="Invalid id or status"),
)
async def list_invoices(
    tenant_id: UUID,
    principal: TenantReader,
    runtime: RuntimeDep,
    status: Annotated[InvoiceStatus | None, Query()] = None,
) -> InvoicePage:
    """The tenant's invoices, oldest period first, optionally of one status."""
    principal.ensure_tenant(tenant_id)
    found = await read_of_tenant(
        runtime, tenant_id, lambda uow: uow.invoices.list_for(tenant_id, status=status)
    )
    return InvoicePage.of([_out(invoice) for invoice in found])


@router.get(
    "/{tenant_id}/invoices/{invoice_id}",
    response_model=InvoiceOut,
    responses=tenant_problems(r404=NO_INVOICE),
)
async def get_invoice(
    tenant_id: UUID, invoice_id: UUID, principal: TenantReader, runtime: RuntimeDep
) -> InvoiceOut:
    """One invoice of the tenant."""
    principal.ensure_tenant(tenant_id)
    async with runtime.uow() as uow:
        invoice = await uow.invoices.get(tenant_id, invoice_id)
    if invoice is None:
        raise InvoiceNotFound()
    return _out(invoice)


@router.post(
    "/{tenant_id}/invoices/{invoice_id}/pay",
    response_model=InvoiceOut,
    responses=tenant_problems(r404=NO_INVOICE, r409="Already PAID, or CANCELLED"),
)
async def pay_invoice(
    tenant_id: UUID, invoice_id: UUID, principal: AdminCaller, runtime: RuntimeDep
) -> InvoiceOut:
    """Record a PENDING invoice as PAID now (admin); paying twice is 409."""
    async with runtime.uow() as uow:
        paid = await pay(tenant_id, invoice_id, uow)
        await uow.commit()
    return _out(paid)


def _out(invoice: Invoice) -> InvoiceOut:
    return InvoiceOut.model_validate(asdict(invoice))
