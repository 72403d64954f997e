"""Stops that came before their pipeline's request (table `stops_before_start`)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert

from provisioner.adapters.orm import stops_before_start as table
from provisioner.domain.status import StopReason
from service_kit.repository import Repository

_REASON = select(table.c.reason).where(table.c.pipeline_id == bindparam("pipeline_id"))


class StopsBeforeStart(Repository):
    async def reason(self, pipeline_id: UUID) -> str | None:
        """Why the pipeline was stopped before its request came; None if it was not."""
        found: str | None = await self._session.scalar(_REASON, {"pipeline_id": pipeline_id})
        return found

    async def record(self, pipeline_id: UUID, tenant_id: UUID, reason: StopReason) -> bool:
        """Record the stop; False if it was recorded before."""
        inserted = await self._session.execute(
            insert(table)
            .values(pipeline_id=pipeline_id, tenant_id=tenant_id, reason=reason.value)
            .on_conflict_do_nothing()
            .returning(table.c.pipeline_id)
        )
        return inserted.first() is not None
