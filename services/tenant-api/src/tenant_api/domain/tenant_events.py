"""The envelope of an event tenant-api publishes about one tenant at someone's request."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from shared_schemas import Actor, Envelope
from tenant_api import PRODUCER

EventT = TypeVar("EventT", bound=Envelope)


def about_tenant(
    event: type[EventT],
    data: Any,
    *,
    tenant_id: UUID,
    now: datetime | None,
    actor: Actor | None,
) -> EventT:
    """`event` with `data`, correlated by the tenant itself (it belongs to no saga)."""
    return event.build(
        data,
        producer=PRODUCER,
        correlation_id=tenant_id,
        tenant_id=tenant_id,
        occurred_at=now,
        actor=actor,
    )
