"""The tenants' OpenID clients (table `tenant_identity_clients`), in the unit of work.

Registration and removal may arrive in either order: a removal first leaves a tombstone (no
`registered_at`), and a registration never revives a row that is already there.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tenant_api.adapters.orm import tenant_identity_clients as clients
from tenant_api.domain.identity_client import IdentityClient

_LIVE = clients.c.registered_at.is_not(None) & clients.c.removed_at.is_(None)


class IdentityClientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def register(
        self,
        *,
        tenant_id: UUID,
        issuer: str,
        client_id: str,
        pipeline_id: UUID,
        redirect_uris: list[str],
        registered_at: datetime,
    ) -> bool:
        """Record a registration; False if the client was known already (a redelivery, or
        its removal came first)."""
        inserted = await self._session.scalar(
            insert(clients)
            .values(
                tenant_id=tenant_id,
                issuer=issuer,
                client_id=client_id,
                pipeline_id=pipeline_id,
                redirect_uris=redirect_uris,
                registered_at=registered_at,
            )
            .on_conflict_do_nothing(index_elements=[clients.c.client_id, clients.c.issuer])
            .returning(clients.c.client_id)
        )
        return inserted is not None

    async def remove(
        self, *, tenant_id: UUID, issuer: str, client_id: str, removed_at: datetime
    ) -> None:
        """Mark it removed (the first removal's time stays); unknown yet: a tombstone."""
        await self._session.execute(
            insert(clients)
            .values(tenant_id=tenant_id, issuer=issuer, client_id=client_id, removed_at=removed_at)
            .on_conflict_do_update(
                index_elements=[clients.c.client_id, clients.c.issuer],
                set_={"removed_at": func.coalesce(clients.c.removed_at, removed_at)},
            )
        )

    async def live_of(self, tenant_id: UUID) -> IdentityClient | None:
        """The tenant's newest live client, if it has one."""
        row = (
            await self._session.execute(
                select(clients)
                .where(clients.c.tenant_id == tenant_id, _LIVE)
                .order_by(clients.c.registered_at.desc())
                .limit(1)
            )
        ).first()
        if row is None:
            return None
        return IdentityClient(
            tenant_id=row.tenant_id,
            issuer=row.issuer,
            client_id=row.client_id,
            redirect_uris=list(row.redirect_uris),
            registered_at=row.registered_at,
        )
