"""Invoices: issued PENDING; paid once; a PAID or CANCELLED invoice never changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from shared_schemas.events import InvoiceIssued


class InvoiceStatus(StrEnum):
    PENDING = "PENDING"
    PAID = "PAID"
    CANCELLED = "CANCELLED"


PAYABLE = frozenset({InvoiceStatus.PENDING})


@dataclass(frozen=True)
class IssuedInvoice:
    """An invoice as billing issued it (`billing.invoice_issued`): PENDING."""

    id: UUID
    tenant_id: UUID
    pipeline_id: UUID
    plan_id: str | None
    amount: Decimal
    currency: str
    period_start: datetime
    period_end: datetime
    status: InvoiceStatus

    @classmethod
    def of(cls, event: InvoiceIssued) -> IssuedInvoice:
        d = event.data
        return cls(
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


@dataclass(frozen=True)
class Invoice(IssuedInvoice):
    """A recorded invoice."""

    created_at: datetime
    paid_at: datetime | None
