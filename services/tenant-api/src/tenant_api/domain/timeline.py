"""A line of a tenant's timeline: one event that names the tenant, as it arrived."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from shared_schemas import Envelope
from shared_schemas.events import (
    IdentityClientRegistered,
    IdentityClientRemoved,
    TenantContactUpdated,
    TenantCredentialDeleted,
    TenantCredentialRevealed,
    TenantCredentialStored,
    TenantFeatureFlagsChanged,
    TenantUpdated,
)


@dataclass(frozen=True)
class TimelineEntry:
    event_id: UUID
    tenant_id: UUID
    type: str
    occurred_at: datetime
    producer: str
    summary: str
    data: Mapping[str, Any]
    actor: Mapping[str, str] | None = None  # {sub, role}; None: the system did it

    @classmethod
    def of(cls, event: Envelope) -> TimelineEntry | None:
        """The event's line; None for an event that names no tenant."""
        if event.tenant_id is None:
            return None
        return cls(
            event_id=event.id,
            tenant_id=event.tenant_id,
            type=event.type,
            occurred_at=event.occurred_at,
            producer=event.producer,
            summary=summary(event),
            data=event.model_dump(mode="json")["data"],
            actor=event.actor.model_dump() if event.actor else None,
        )


def summary(event: Envelope) -> str:
    """One line for people: the event's type in words, and which fields or provider it names."""
    text = event.type.replace("_", " ").replace(".", ": ", 1)
    match event:
        case TenantUpdated(data=d) | TenantContactUpdated(data=d):
            return f"{text}: {', '.join(d.changes)}"
        case TenantFeatureFlagsChanged(data=d):
            return f"{text}: {', '.join([*d.added, *d.removed, *d.changed])}"
        case TenantCredentialRevealed(data=d) if not d.allowed:
            return f"tenant: credential reveal refused: {d.provider}"
        case (
            TenantCredentialStored(data=d)
            | TenantCredentialRevealed(data=d)
            | TenantCredentialDeleted(data=d)
        ):
            return f"{text}: {d.provider}"
        case IdentityClientRegistered(data=d):
            return f"{text}: {d.client_id}"
        case IdentityClientRemoved(data=d):
            return f"{text}: {d.client_id} ({d.reason})"
    return text
