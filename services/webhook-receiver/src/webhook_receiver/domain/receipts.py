"""What a receipt records: the scheme, the outcome and, for a rejection, the reason."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from service_kit.webhooks import WebhookRun
from shared_schemas.api.webhooks import ProvisioningCallback
from shared_schemas.events.webhook import WebhookReceived, WebhookReceivedData

PRODUCER = "webhook-receiver"


class Scheme(StrEnum):
    ARC = "arc"
    STANDARD = "standard"


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class Reason(StrEnum):
    """Why a delivery was rejected (kept for operators; never told to the sender)."""

    TOO_LARGE = "too_large"
    MISSING_HEADERS = "missing_headers"
    INVALID_HEADERS = "invalid_headers"
    STALE_TIMESTAMP = "stale_timestamp"
    FUTURE_TIMESTAMP = "future_timestamp"
    INVALID_BODY = "invalid_body"
    UNKNOWN_RUN = "unknown_run"
    BAD_SIGNATURE = "bad_signature"
    RUN_FINISHED = "run_finished"  # signed for a run that no longer waits for a callback


# Enough to trace a delivery; signatures are left out on purpose.
KEPT_HEADERS = (
    "content-type",
    "content-length",
    "user-agent",
    "webhook-id",
    "webhook-timestamp",
    "x-timestamp",
    "x-request-id",
    "x-forwarded-for",
)
MAX_HEADER_CHARS = 200


def headers_subset(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers worth keeping with a receipt, each cut to a bounded length."""
    return {name: headers[name][:MAX_HEADER_CHARS] for name in KEPT_HEADERS if headers.get(name)}


@dataclass(frozen=True)
class Receipt:
    """What is known of one delivery so far; facts are added as the checks pass."""

    id: UUID
    received_at: datetime
    scheme: Scheme
    size: int
    headers: dict[str, str]
    body_sha256: str | None = None
    delivery_key: str | None = None
    tenant_id: UUID | None = None
    pipeline_id: UUID | None = None

    def rejected(self, reason: Reason) -> Recorded:
        return Recorded(self, Outcome.REJECTED, reason)

    def duplicate(self) -> Recorded:
        """Verified, and its delivery key was accepted before: it changes nothing."""
        return Recorded(self, Outcome.DUPLICATE)

    def accepted(
        self, callback: ProvisioningCallback, run: WebhookRun
    ) -> tuple[Recorded, WebhookReceived]:
        """Verified and new: the receipt accepted, and the event the provisioner reacts to."""
        event = WebhookReceived.build(
            WebhookReceivedData(
                delivery_id=self.id,
                tenant_id=callback.initiator_id,
                pipeline_id=run.pipeline_id,
                scheme=self.scheme.value,
                succeeded=callback.data.status == 1,
                resources=callback.data.resources,
                app_plane_url=callback.data.app_plane_url,
            ),
            producer=PRODUCER,
            correlation_id=run.pipeline_id,
            tenant_id=callback.initiator_id,
            occurred_at=self.received_at,
        )
        return Recorded(self, Outcome.ACCEPTED), event


@dataclass(frozen=True)
class Recorded:
    """A receipt with what became of it: one row of the append-only receipts."""

    receipt: Receipt
    outcome: Outcome
    reason: Reason | None = None  # set exactly when rejected
