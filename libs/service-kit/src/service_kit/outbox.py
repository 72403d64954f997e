"""Transactional outbox: events are rows written with the state change, published later."""

from __future__ import annotations

from sqlalchemy import bindparam, func, insert, literal
from sqlalchemy.ext.asyncio import AsyncSession

from service_kit import tracing
from service_kit.orm_tables import outbox_table
from shared_schemas import Envelope

# Built once (construction per event cost more than the cached compile). `created_at` is not
# the column's default now(), which is the transaction's start: events of one transaction would
# tie, and the relay would publish them in any order. The row carries its own NOTIFY, so waking
# the relay costs no statement of its own: PostgreSQL delivers it only if the transaction
# commits, and once however many rows signalled the channel.
_ADD = (
    insert(outbox_table)
    .values(created_at=func.clock_timestamp())
    .returning(func.pg_notify(bindparam("notify_channel"), literal("")))
)


class Outbox:
    """Adds events to the current transaction; the relay publishes them after commit."""

    def __init__(self, session: AsyncSession, channel: str) -> None:
        self._session = session
        self._channel = channel

    async def add(self, event: Envelope) -> None:
        await self._session.execute(
            _ADD,
            {
                "id": event.id,
                "event_type": event.type,
                "routing_key": event.type,
                "payload": event.model_dump_json().encode(),
                "headers": {
                    "x-event-id": str(event.id),
                    "x-correlation-id": str(event.correlation_id),
                    **({"x-tenant-id": str(event.tenant_id)} if event.tenant_id else {}),
                    # Stored with the row, so the trace survives until (and past) a restart.
                    **tracing.carrier(),
                },
                "notify_channel": self._channel,
            },
        )


def notify_channel(schema: str) -> str:
    return f"outbox_{schema}"
