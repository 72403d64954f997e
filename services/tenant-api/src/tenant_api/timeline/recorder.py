"""The tenant's timeline: every event that names a tenant, as it arrived."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert

from service_kit.db import UnitOfWork
from shared_schemas import Envelope
from tenant_api.adapters.orm import tenant_events

# Built once: every event the service hears passes here.
_RECORD = insert(tenant_events).on_conflict_do_nothing()


async def record_timeline(event: Envelope, uow: UnitOfWork) -> None:
    """Every event that names a tenant becomes a line of its timeline."""
    if event.tenant_id is None:
        return
    await uow.session.execute(
        _RECORD,
        {
            "event_id": event.id,
            "tenant_id": event.tenant_id,
            "type": event.type,
            "occurred_at": event.occurred_at,
            "producer": event.producer,
            "summary": event.type.replace("_", " ").replace(".", ": ", 1),
            "data": event.model_dump(mode="json")["data"],
        },
    )
