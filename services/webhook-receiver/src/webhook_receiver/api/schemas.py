"""HTTP bodies of webhook-receiver (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from shared_schemas.api.base import ApiModel
from webhook_receiver.domain.receipts import Outcome, Reason, Scheme


class WebhookAck(ApiModel):
    """`accepted` (202) with the receipt id, or `duplicate` (200): seen before, nothing changed."""

    status: Literal["accepted", "duplicate"]
    delivery_id: UUID | None = None


class DeliveryOut(ApiModel):
    """One stored receipt. `tenantId` and `deliveryKey` are as claimed when rejected."""

    id: UUID
    received_at: datetime
    scheme: Scheme
    delivery_key: str | None
    tenant_id: UUID | None
    pipeline_id: UUID | None
    outcome: Outcome
    reason: Reason | None
    body_sha256: str | None
    size: int
    headers: dict[str, str]


class DeliveryPage(ApiModel):
    """A page of receipts, newest first; `nextCursor` (absent on the last page) is the `after`
    of the next one."""

    items: list[DeliveryOut]
    next_cursor: str | None = None
