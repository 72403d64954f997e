"""A line of a tenant's timeline: one event that names the tenant, as it arrived."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from shared_schemas import Envelope


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
            summary=event.type.replace("_", " ").replace(".", ": ", 1),
            data=event.model_dump(mode="json")["data"],
            actor=event.actor.model_dump() if event.actor else None,
        )
