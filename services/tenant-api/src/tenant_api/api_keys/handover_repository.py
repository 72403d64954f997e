"""The initial admin API key's handover (table `api_key_handovers`), out of the provisioner's
`tenant.api_key_issued` / `tenant.api_key_revoked`, in any order; taken at most once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.retention import RetentionRule
from shared_schemas.events import ApiKeyIssuedData, ApiKeyRevokedData, Sealed
from tenant_api.adapters.orm import api_key_handovers as table
from tenant_api.adapters.orm import tenants
from tenant_api.domain.status import TenantStatus
from tenant_api.tenants.repository import TenantRepository

_issued = insert(table)
# A key revoked before its handover came stays revoked, with no key to hand out.
_ISSUED = _issued.on_conflict_do_nothing(index_elements=[table.c.api_key_id])
_revoked = insert(table)
_REVOKED = _revoked.on_conflict_do_update(
    index_elements=[table.c.api_key_id],
    set_={"revoked": True, "sealed_key": None},
)
# Found, taken and deleted in one statement: of two concurrent callers, one gets the row, the
# other waits for it and then finds nothing. Only for an ACTIVE tenant, before it expires.
_TAKE = (
    delete(table)
    .where(
        table.c.tenant_id == bindparam("tenant_id"),
        table.c.tenant_id == tenants.c.id,
        tenants.c.status == TenantStatus.ACTIVE.value,
        table.c.sealed_key.is_not(None),
        table.c.revoked.is_(False),
        table.c.expires_at > func.now(),
    )
    .returning(table.c.api_key_id, table.c.sealed_key)
)


def retention() -> RetentionRule:
    """Gone once expired, fetched or not (a revocation's marker with it)."""
    return RetentionRule(table, "expires_at", timedelta(0))


@dataclass(frozen=True)
class TakenKey:
    """A handover just taken (its row deleted in the caller's transaction), still sealed."""

    api_key_id: UUID
    sealed: Sealed


class KeyHandoverRepository:
    """`uow.key_handovers`: initial API keys waiting to be taken, and the tenant they wait for."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def issued(self, data: ApiKeyIssuedData, at: datetime) -> None:
        await self._session.execute(
            _ISSUED,
            {
                "api_key_id": data.api_key_id,
                "tenant_id": data.tenant_id,
                "prefix": data.prefix,
                "sealed_key": data.key.model_dump(mode="json"),
                "expires_at": data.expires_at,
                "issued_at": at,
            },
        )

    async def revoked(self, data: ApiKeyRevokedData) -> None:
        await self._session.execute(
            _REVOKED,
            {
                "api_key_id": data.api_key_id,
                "tenant_id": data.tenant_id,
                "revoked": True,
                "expires_at": data.expires_at,
            },
        )

    async def take(self, tenant_id: UUID) -> TakenKey | None:
        """The waiting key, its row deleted in the caller's transaction; None if none waits."""
        row: Any = (await self._session.execute(_TAKE, {"tenant_id": tenant_id})).first()
        if row is None:
            return None
        return TakenKey(row.api_key_id, Sealed.model_validate(row.sealed_key))

    async def lock_tenant_status(self, tenant_id: UUID) -> TenantStatus | None:
        """The tenant's status, its row locked until the transaction ends; None: no such
        tenant."""
        tenant = await TenantRepository(self._session).lock(tenant_id)
        return None if tenant is None else tenant.status
