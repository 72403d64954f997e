"""The subscriptions the billing step opens (table `subscriptions`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, insert, select, update

from provisioner.adapters.orm import subscriptions
from service_kit.repository import Repository

# Built once; each row's values are the parameters.
_ADD = insert(subscriptions)
_OF_PIPELINE = select(subscriptions.c.id).where(
    subscriptions.c.pipeline_id == bindparam("pipeline_id")
)
_CANCEL = (
    update(subscriptions)
    .where(subscriptions.c.id == bindparam("subscription_id"), subscriptions.c.status == "ACTIVE")
    .values(status="CANCELLED", cancelled_at=bindparam("at"))
)


class Subscriptions(Repository):
    async def of(self, pipeline_id: UUID) -> UUID | None:
        """The pipeline's subscription, if its billing step opened one."""
        found: UUID | None = await self._session.scalar(_OF_PIPELINE, {"pipeline_id": pipeline_id})
        return found

    async def add(self, values: dict[str, Any]) -> None:
        await self._session.execute(_ADD, values)

    async def cancel(self, subscription_id: UUID) -> None:
        """Cancel it if it is active (idempotent)."""
        params = {"subscription_id": subscription_id, "at": datetime.now(UTC)}
        await self._session.execute(_CANCEL, params)
