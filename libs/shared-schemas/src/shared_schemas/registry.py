"""Parse any event from bytes: a discriminated union keyed by `type` and `version`."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Discriminator, Tag, TypeAdapter, ValidationError

from shared_schemas import events as ev
from shared_schemas.envelope import Envelope, EnvelopeHeader

EVENT_CLASSES: tuple[type[Envelope], ...] = (
    ev.LeadCreatedV1,
    ev.LeadCreated,
    ev.LeadVerified,
    ev.TenantOnboarded,
    ev.TenantProvisioningRequested,
    ev.StepStarted,
    ev.StepSucceeded,
    ev.StepFailed,
    ev.StepCompensated,
    ev.WebhookReceived,
    ev.WebhookRunOpened,
    ev.WebhookRunFinished,
    ev.WebhookRunRegistered,
    ev.ProvisioningCompleted,
    ev.ProvisioningFailed,
    ev.ProvisioningCancelled,
    ev.InvoiceIssued,
    ev.TenantActivated,
    ev.TenantProvisioningFailed,
    ev.TenantCancelRequested,
    ev.TenantCancelled,
    ev.TenantProvisioningTimedOut,
    ev.TenantOffboardingRequested,
    ev.TenantDeprovisioned,
    ev.TenantOffboarded,
    ev.TenantSuspended,
    ev.TenantReactivated,
    ev.ApiKeyIssued,
    ev.ApiKeyRevoked,
    ev.ApiKeyReissueRequested,
)


def event_key(event_type: str, version: int) -> str:
    return f"{event_type}@v{version}"


REGISTRY: dict[str, type[Envelope]] = {event_key(c.TYPE, c.VERSION): c for c in EVENT_CLASSES}


def _discriminate(value: Any) -> str | None:
    if isinstance(value, dict):
        # None makes pydantic raise a ValidationError; a bare ValueError would escape it.
        try:
            return event_key(str(value.get("type")), int(value.get("version", 0)))
        except (TypeError, ValueError):
            return None
    if isinstance(value, Envelope):
        return event_key(value.type, value.version)
    return None


AnyEvent = Annotated[
    Annotated[ev.LeadCreatedV1, Tag(event_key("lead.created", 1))]
    | Annotated[ev.LeadCreated, Tag(event_key("lead.created", 2))]
    | Annotated[ev.LeadVerified, Tag(event_key("lead.verified", 1))]
    | Annotated[ev.TenantOnboarded, Tag(event_key("tenant.onboarded", 1))]
    | Annotated[ev.TenantProvisioningRequested, Tag(event_key("tenant.provisioning_requested", 1))]
    | Annotated[ev.StepStarted, Tag(event_key("provisioning.step_started", 1))]
    | Annotated[ev.StepSucceeded, Tag(event_key("provisioning.step_succeeded", 1))]
    | Annotated[ev.StepFailed, Tag(event_key("provisioning.step_failed", 1))]
    | Annotated[ev.StepCompensated, Tag(event_key("provisioning.step_compensated", 1))]
    | Annotated[ev.WebhookReceived, Tag(event_key("webhook.received", 1))]
    | Annotated[ev.WebhookRunOpened, Tag(event_key("webhook.run_opened", 1))]
    | Annotated[ev.WebhookRunFinished, Tag(event_key("webhook.run_finished", 1))]
    | Annotated[ev.WebhookRunRegistered, Tag(event_key("webhook.run_registered", 1))]
    | Annotated[ev.ProvisioningCompleted, Tag(event_key("provisioning.completed", 1))]
    | Annotated[ev.ProvisioningFailed, Tag(event_key("provisioning.failed", 1))]
    | Annotated[ev.ProvisioningCancelled, Tag(event_key("provisioning.cancelled", 1))]
    | Annotated[ev.InvoiceIssued, Tag(event_key("billing.invoice_issued", 1))]
    | Annotated[ev.TenantActivated, Tag(event_key("tenant.activated", 1))]
    | Annotated[ev.TenantProvisioningFailed, Tag(event_key("tenant.provisioning_failed", 1))]
    | Annotated[ev.TenantCancelRequested, Tag(event_key("tenant.cancel_requested", 1))]
    | Annotated[ev.TenantCancelled, Tag(event_key("tenant.cancelled", 1))]
    | Annotated[ev.TenantProvisioningTimedOut, Tag(event_key("tenant.provisioning_timed_out", 1))]
    | Annotated[ev.TenantOffboardingRequested, Tag(event_key("tenant.offboarding_requested", 1))]
    | Annotated[ev.TenantDeprovisioned, Tag(event_key("tenant.deprovisioned", 1))]
    | Annotated[ev.TenantOffboarded, Tag(event_key("tenant.offboarded", 1))]
    | Annotated[ev.TenantSuspended, Tag(event_key("tenant.suspended", 1))]
    | Annotated[ev.TenantReactivated, Tag(event_key("tenant.reactivated", 1))]
    | Annotated[ev.ApiKeyIssued, Tag(event_key("tenant.api_key_issued", 1))]
    | Annotated[ev.ApiKeyRevoked, Tag(event_key("tenant.api_key_revoked", 1))]
    | Annotated[ev.ApiKeyReissueRequested, Tag(event_key("tenant.api_key_reissue_requested", 1))],
    Discriminator(_discriminate),
]

ANY_EVENT: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)


class EventRejected(Exception):
    """A message that can never be processed; `reason` is a short machine-readable code."""

    reason: str = "rejected"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class MalformedEvent(EventRejected):
    reason = "malformed"


class UnknownEvent(EventRejected):
    reason = "unknown_type_or_version"


def parse_event(raw: bytes | str) -> Envelope:
    """Bytes to a typed event, or `MalformedEvent` / `UnknownEvent` saying why not."""
    try:
        header = EnvelopeHeader.model_validate_json(raw)
    except ValidationError as exc:
        raise MalformedEvent(_summarise(exc)) from exc
    key = event_key(header.type, header.version)
    model = REGISTRY.get(key)
    if model is None:
        known = sorted(k for k in REGISTRY if k.startswith(f"{header.type}@"))
        detail = f"no model for {key}" + (f"; known: {', '.join(known)}" if known else "")
        raise UnknownEvent(detail)
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise MalformedEvent(f"{key}: {_summarise(exc)}") from exc


def _summarise(exc: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()]
    return "; ".join(parts[:5])
