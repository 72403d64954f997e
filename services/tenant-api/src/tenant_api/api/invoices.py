"""`GET /tenants/{id}/invoices`: invoices recorded from the billing step."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field, field_serializer

from service_kit.app import RuntimeDep
from service_kit.problems import NotFound, problem_responses
from shared_schemas.api.base import ApiModel
from tenant_api.adapters import invoice_repository as invoices
from tenant_api.adapters import tenant_repository as tenants
from tenant_api.api.errors import AUTH, NOT_FOUND
from tenant_api.auth import TenantReader

router = APIRouter(prefix="/tenants", tags=["invoices"])


class InvoiceOut(ApiModel):
    id: UUID
    tenant_id: UUID
    pipeline_id: UUID
    plan_id: str | None
    amount: Decimal = Field(description="Decimal as text, e.g. `49.00`.")
    currency: str
    period_start: datetime
    period_end: datetime
    status: str
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
    responses=problem_responses(**AUTH, r404=NOT_FOUND, r422="Invalid id"),
)
async def list_invoices(
    tenant_id: UUID, principal: TenantReader, runtime: RuntimeDep
) -> InvoicePage:
    """The tenant's invoices, oldest period first."""
    principal.ensure_tenant(tenant_id)
    async with runtime.uow() as uow:
        if not await tenants.exists(uow.session, tenant_id):
            raise NotFound("No such tenant.")
        rows = await invoices.list_for(uow.session, tenant_id)
    items = [InvoiceOut.model_validate(r._asdict()) for r in rows]
    return InvoicePage(items=items, count=len(items))
