"""Invoice statuses: issued PENDING; paid once; a PAID or CANCELLED invoice never changes."""

from __future__ import annotations

from enum import StrEnum


class InvoiceStatus(StrEnum):
    PENDING = "PENDING"
    PAID = "PAID"
    CANCELLED = "CANCELLED"


PAYABLE = frozenset({InvoiceStatus.PENDING})
