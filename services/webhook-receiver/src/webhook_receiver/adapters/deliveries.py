"""The append-only receipts: one row per delivery, whatever became of it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Select, exists, insert, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert

from service_kit.repository import Repository
from service_kit.retention import RetentionRule
from service_kit.rows import from_row
from webhook_receiver.adapters.orm import deliveries
from webhook_receiver.domain.receipts import Outcome, Reason, Receipt, Recorded, Scheme

_ACCEPTED = text("outcome = 'accepted'")

# Built once, each receipt's values passed as parameters: building the statement per delivery
# cost more than running it from SQLAlchemy's compiled cache.
_INSERT = insert(deliveries)
_INSERT_ACCEPTED = (
    pg_insert(deliveries)
    .on_conflict_do_nothing(index_elements=["tenant_id", "delivery_key"], index_where=_ACCEPTED)
    .returning(deliveries.c.id)
)


def retention(keep_for: timedelta) -> RetentionRule:
    """Receipts go `keep_for` after they arrived (long past any timestamp that could pass)."""
    return RetentionRule(deliveries, "received_at", keep_for)


def _values(recorded: Recorded) -> dict[str, Any]:
    receipt, reason = recorded.receipt, recorded.reason
    return {
        "id": receipt.id,
        "received_at": receipt.received_at,
        "scheme": receipt.scheme.value,
        "delivery_key": receipt.delivery_key,
        "tenant_id": receipt.tenant_id,
        "pipeline_id": receipt.pipeline_id,
        "outcome": recorded.outcome.value,
        "reason": reason.value if reason else None,
        "body_sha256": receipt.body_sha256,
        "size": receipt.size,
        "headers": receipt.headers,
    }


def _recorded(row: Any) -> Recorded:
    receipt = from_row(Receipt, row, scheme=Scheme(row.scheme))
    return Recorded(receipt, Outcome(row.outcome), Reason(row.reason) if row.reason else None)


class Deliveries(Repository):
    async def add(self, recorded: Recorded) -> None:
        await self._session.execute(_INSERT, _values(recorded))

    async def add_accepted(self, recorded: Recorded) -> bool:
        """Record the accepted delivery; False (nothing stored) if its key was accepted before.

        The partial unique index decides: a concurrent insert of the same key waits for the
        other transaction and then finds the conflict, so exactly one of them is accepted.
        """
        inserted = await self._session.execute(_INSERT_ACCEPTED, _values(recorded))
        return inserted.first() is not None

    async def accepted_exists(self, tenant_id: UUID, delivery_key: str) -> bool:
        query = select(
            exists().where(
                deliveries.c.tenant_id == tenant_id,
                deliveries.c.delivery_key == delivery_key,
                _ACCEPTED,
            )
        )
        return bool(await self._session.scalar(query))

    async def page(
        self,
        *,
        tenant_id: UUID | None,
        outcome: Outcome | None,
        before: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[Recorded]:
        """Up to `limit` receipts newest first, strictly after the position `before`."""
        query = page(tenant_id=tenant_id, outcome=outcome, before=before, limit=limit)
        return [_recorded(row) for row in await self._session.execute(query)]


def page(
    *,
    tenant_id: UUID | None,
    outcome: Outcome | None,
    before: tuple[datetime, UUID] | None,
    limit: int,
) -> Select[Any]:
    """Receipts newest first by (received_at, id), the position a row comparison: an index
    on (…, received_at, id) starts its range there however deep the page. A tenant's lead
    their own index; an outcome alone is a filter on the newest-first one (every outcome is
    common enough that a page fills soon)."""
    c = deliveries.c
    query = select(deliveries).order_by(c.received_at.desc(), c.id.desc())
    if tenant_id is not None:
        query = query.where(c.tenant_id == tenant_id)
    if outcome is not None:
        query = query.where(c.outcome == outcome.value)
    if before is not None:
        query = query.where(tuple_(c.received_at, c.id) < tuple_(*before))
    return query.limit(limit)
