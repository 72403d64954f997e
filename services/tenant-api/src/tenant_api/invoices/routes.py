"""`/tenants/{id}/invoices`: invoices recorded from the billing step, and paying them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import Field, field_serializer

from service_kit.app import RuntimeDep
from service_kit.problems import Conflict, NotFound, problem_responses
from shared_schemas.api.base import ApiModel
from tenant_api.auth import AdminCaller, TenantReader
from tenant_api.domain.invoice import InvoiceStatus
from tenant_api.invoices import repository as invoices
from tenant_api.tenants import repository as tenants
from tenant_api.web.errors import AUTH, NOT_FOUND

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


class InvoicePage(ApiModel):
    items: list[InvoiceOut]
    count: int


@router.get(
    "/{tenant_id}/invoices",
    response_model=InvoicePage,
    responses=problem_responses(**AUTH, r404=NOT_FOUND, r422="Invalid id or status"),
)
async def list_invoices(
    tenant_id: UUID,
    principal: TenantReader,
    runtime: RuntimeDep,
    status: Annotated[InvoiceStatus | None, Query()] = None,
) -> InvoicePage:
    """The tenant's invoices, oldest period first, optionally of one status."""
    principal.ensure_tenant(tenant_id)
    async with runtime.uow() as uow:
        if not await tenants.exists(uow.session, tenant_id):
            raise NotFound("No such tenant.")
        rows = await invoices.list_for(uow.session, tenant_id, status=status)
    items = [InvoiceOut.model_validate(r._asdict()) for r in rows]
    return InvoicePage(items=items, count=len(items))


@router.get(
    "/{tenant_id}/invoices/{invoice_id}",
    response_model=InvoiceOut,
    responses=problem_responses(**AUTH, r404=NO_INVOICE, r422="Invalid id"),
)
async def get_invoice(
    tenant_id: UUID, invoice_id: UUID, principal: TenantReader, runtime: RuntimeDep
) -> InvoiceOut:
    """One invoice of the tenant."""
    principal.ensure_tenant(tenant_id)
    async with runtime.uow() as uow:
        row = await invoices.get(uow.session, tenant_id, invoice_id)
    if row is None:
        raise NotFound("No such invoice.")
    return InvoiceOut.model_validate(row._asdict())


@router.post(
    "/{tenant_id}/invoices/{invoice_id}/pay",
    response_model=InvoiceOut,
    responses=problem_responses(
        **AUTH, r404=NO_INVOICE, r409="Already PAID, or CANCELLED", r422="Invalid id"
    ),
)
async def pay_invoice(
    tenant_id: UUID, invoice_id: UUID, principal: AdminCaller, runtime: RuntimeDep
) -> InvoiceOut:
    """Record a PENDING invoice as PAID now (admin); paying twice is 409."""
    async with runtime.uow() as uow:
        paid = await invoices.mark_paid(uow.session, tenant_id, invoice_id)
        if paid is None:
            current = await invoices.get(uow.session, tenant_id, invoice_id)
            if current is None:
                raise NotFound("No such invoice.")
            raise Conflict(
                f"The invoice is {current.status}; only a PENDING invoice can be paid.",
                invoiceStatus=current.status,
            )
        await uow.commit()
    return InvoiceOut.model_validate(paid._asdict())
