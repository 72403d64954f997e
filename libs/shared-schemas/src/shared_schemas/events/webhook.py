"""Events of the webhook receiver (producer: webhook-receiver)."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from shared_schemas.envelope import Contract, Envelope


class WebhookReceivedData(Contract):
    delivery_id: UUID
    tenant_id: UUID
    pipeline_id: UUID | None = None
    scheme: Literal["arc", "standard"]
    succeeded: bool
    resources: list[Any] = Field(default_factory=list)
    app_plane_url: str | None = None


class WebhookReceived(Envelope):
    """A verified callback from an external pipeline arrived; the provisioner finishes its step."""

    TYPE = "webhook.received"
    VERSION = 1
    type: Literal["webhook.received"] = "webhook.received"
    version: Literal[1] = 1
    data: WebhookReceivedData
