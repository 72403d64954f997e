"""Events of provisioning callbacks: verified ones (producer: webhook-receiver), the runs they
are verified against (producer: provisioner), and the receiver's word that it knows a run."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from shared_schemas.envelope import Contract, EventV1
from shared_schemas.events.common import PipelineRef, Sealed


class WebhookReceivedData(Contract):
    delivery_id: UUID
    tenant_id: UUID
    pipeline_id: UUID | None = None
    scheme: Literal["arc", "standard"]
    succeeded: bool
    resources: list[Any] = Field(default_factory=list)
    app_plane_url: str | None = None


class WebhookReceived(EventV1):
    """A verified callback from an external pipeline arrived; the provisioner finishes its step."""

    type: Literal["webhook.received"] = "webhook.received"
    data: WebhookReceivedData


def webhook_run_secret_binding(pipeline_id: UUID) -> str:
    """The associated data a run's sealed secret is bound to: it opens for that run only."""
    return f"webhook.run_opened:v1:secret:{pipeline_id}"


class WebhookRunOpenedData(PipelineRef):
    context: str = Field(max_length=64, description="Signed along with an ARC callback.")
    secret: Sealed = Field(
        description="The run's signing secret, sealed for the provisioner and webhook-receiver "
        "(WEBHOOK_RUN_KEYS; associated data: `webhook_run_secret_binding(pipeline_id)`)."
    )
    expires_at: datetime = Field(description="No callback is verified for the run after this.")


class WebhookRunOpened(EventV1):
    """Producer: provisioner. An external pipeline was triggered; webhook-receiver keeps the
    run so that it can verify the pipeline's signed callback."""

    type: Literal["webhook.run_opened"] = "webhook.run_opened"
    data: WebhookRunOpenedData


class WebhookRunFinishedData(PipelineRef):
    expires_at: datetime = Field(description="The run's expiry, as announced when it opened.")


class WebhookRunFinished(EventV1):
    """Producer: provisioner. The run awaits no callback any more: a delivery it accepted is
    still answered "duplicate", a new one is refused."""

    type: Literal["webhook.run_finished"] = "webhook.run_finished"
    data: WebhookRunFinishedData


class WebhookRunRegisteredData(PipelineRef):
    pass


class WebhookRunRegistered(EventV1):
    """Producer: webhook-receiver. It stored the run `webhook.run_opened` announced and now
    verifies the run's callbacks: a callback the provisioner sends itself is due from here."""

    type: Literal["webhook.run_registered"] = "webhook.run_registered"
    data: WebhookRunRegisteredData
