"""How a line of the timeline is answered: by a tenant's timeline, and by the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from shared_schemas.api.base import ApiModel
from tenant_api.domain.timeline import TimelineEntry
from tenant_api.web.actors import ActorOut


class TimelineEntryOut(ApiModel):
    id: UUID
    type: str
    occurred_at: datetime
    producer: str
    summary: str
    data: dict[str, Any]
    actor: ActorOut | None = Field(description="Who asked for it; null: the system did it.")


def entry_out(line: TimelineEntry) -> TimelineEntryOut:
    return TimelineEntryOut(
        id=line.event_id,
        type=line.type,
        occurred_at=line.occurred_at,
        producer=line.producer,
        summary=line.summary,
        data=dict(line.data),
        actor=ActorOut.model_validate(line.actor) if line.actor else None,
    )
