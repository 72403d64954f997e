"""Parse any event from bytes: its model is looked up by `type` and `version`."""

from __future__ import annotations

from pydantic import ValidationError

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
    ev.TenantOffboardingScheduled,
    ev.TenantOffboardingCancelled,
    ev.TenantOffboardingRequested,
    ev.TenantDeprovisioned,
    ev.TenantOffboarded,
    ev.TenantSuspended,
    ev.TenantReactivated,
    ev.TenantAccessSuspended,
    ev.TenantAccessRestored,
    ev.TenantUpdated,
    ev.TenantContactAdded,
    ev.TenantContactUpdated,
    ev.TenantContactRemoved,
    ev.TenantFeatureFlagsChanged,
    ev.TenantCredentialStored,
    ev.TenantCredentialRevealed,
    ev.TenantCredentialDeleted,
    ev.ApiKeyIssued,
    ev.ApiKeyRevoked,
    ev.ApiKeyReissueRequested,
    ev.ApiKeyCreated,
    ev.ApiKeyRotated,
    ev.DatabaseCredentialsIssued,
    ev.DatabasePasswordRotationRequested,
    ev.IdentityClientRegistered,
    ev.IdentityClientRemoved,
)


def event_key(event_type: str, version: int) -> str:
    return f"{event_type}@v{version}"


REGISTRY: dict[str, type[Envelope]] = {event_key(c.TYPE, c.VERSION): c for c in EVENT_CLASSES}


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
