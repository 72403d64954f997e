"""Each tenant's newest suspension or reactivation applied (table `tenant_access`)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import bindparam, select

from provisioner.adapters.orm import tenant_access as table
from provisioner.domain.access import AccessChange
from service_kit.repository import Repository
from service_kit.upserts import upsert

_LAST = select(table.c.suspended, table.c.as_of, table.c.event_id).where(
    table.c.tenant_id == bindparam("tenant_id")
)
_RECORD = upsert(
    table, table.c.tenant_id, taken=("suspended", "as_of", "event_id"), touched="updated_at"
)


class TenantAccess(Repository):
    async def last(self, tenant_id: UUID) -> AccessChange | None:
        row = (await self._session.execute(_LAST, {"tenant_id": tenant_id})).first()
        if row is None:
            return None
        return AccessChange(suspended=row.suspended, as_of=row.as_of, event_id=row.event_id)

    async def record(self, tenant_id: UUID, change: AccessChange) -> None:
        await self._session.execute(
            _RECORD,
            {
                "tenant_id": tenant_id,
                "suspended": change.suspended,
                "as_of": change.as_of,
                "event_id": change.event_id,
            },
        )
