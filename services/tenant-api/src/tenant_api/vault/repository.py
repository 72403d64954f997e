"""The vault's rows: wrapped data keys, sealed credentials, and the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, delete, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession

from tenant_api.adapters.orm import credentials, tenant_data_keys, vault_audit
from tenant_api.domain.vault import (
    Action,
    Outcome,
    ProviderEntry,
    SealedCredential,
    StoredCredential,
    WrappedDataKey,
)


def _data_key(row: Row[Any]) -> WrappedDataKey:
    return WrappedDataKey(row.tenant_id, row.wrapped_key, row.master_key_version)


class VaultRepository:
    """`uow.vault`: the tenants' data keys, their sealed credentials and the vault's audit."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def data_key(self, tenant_id: UUID, *, lock: bool = False) -> WrappedDataKey | None:
        query = select(tenant_data_keys).where(tenant_data_keys.c.tenant_id == tenant_id)
        if lock:
            query = query.with_for_update()
        row = (await self._session.execute(query)).first()
        return None if row is None else _data_key(row)

    async def add_data_key(self, tenant_id: UUID, wrapped: bytes, version: int) -> bool:
        """False when another request gave the tenant its data key first (that one stands)."""
        inserted = await self._session.execute(
            insert(tenant_data_keys)
            .values(tenant_id=tenant_id, wrapped_key=wrapped, master_key_version=version)
            .on_conflict_do_nothing(index_elements=["tenant_id"])
            .returning(tenant_data_keys.c.tenant_id)
        )
        return inserted.first() is not None

    async def rewrap_data_key(self, tenant_id: UUID, wrapped: bytes, version: int) -> None:
        await self._session.execute(
            update(tenant_data_keys)
            .where(tenant_data_keys.c.tenant_id == tenant_id)
            .values(wrapped_key=wrapped, master_key_version=version, rewrapped_at=func.now())
        )

    async def keys_to_rewrap(self, current_version: int) -> int:
        query = select(func.count()).where(tenant_data_keys.c.master_key_version != current_version)
        return int(await self._session.scalar(query) or 0)

    async def tenants_to_rewrap(
        self, current_version: int, *, after: UUID | None, limit: int
    ) -> list[UUID]:
        """The next batch of tenants whose data key is wrapped by an older master key (by id)."""
        query = (
            select(tenant_data_keys.c.tenant_id)
            .where(tenant_data_keys.c.master_key_version != current_version)
            .order_by(tenant_data_keys.c.tenant_id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(tenant_data_keys.c.tenant_id > after)
        return list((await self._session.scalars(query)).all())

    async def one_key_per_version(self) -> list[WrappedDataKey]:
        """A sample wrapped key for every master key version in use."""
        query = (
            select(tenant_data_keys)
            .ext(distinct_on(tenant_data_keys.c.master_key_version))
            .order_by(tenant_data_keys.c.master_key_version, tenant_data_keys.c.tenant_id)
        )
        return [_data_key(row) for row in await self._session.execute(query)]

    async def credential(self, tenant_id: UUID, provider: str) -> SealedCredential | None:
        query = select(credentials).where(
            credentials.c.tenant_id == tenant_id, credentials.c.provider == provider
        )
        row = (await self._session.execute(query)).first()
        return (
            None
            if row is None
            else SealedCredential(row.ciphertext, row.created_at, row.updated_at)
        )

    async def issued_at(self, tenant_id: UUID, provider: str) -> datetime | None:
        """When the stored credential was issued (None: none, or stored through the API)."""
        found: datetime | None = await self._session.scalar(
            select(credentials.c.issued_at).where(
                credentials.c.tenant_id == tenant_id, credentials.c.provider == provider
            )
        )
        return found

    async def providers(self, tenant_id: UUID) -> list[ProviderEntry]:
        """Provider names with their times; never the ciphertext."""
        query = (
            select(credentials.c.provider, credentials.c.created_at, credentials.c.updated_at)
            .where(credentials.c.tenant_id == tenant_id)
            .order_by(credentials.c.provider)
        )
        return [ProviderEntry(*row) for row in await self._session.execute(query)]

    async def put_credential(
        self,
        tenant_id: UUID,
        provider: str,
        ciphertext: bytes,
        *,
        issued_at: datetime | None = None,
    ) -> StoredCredential | None:
        """Insert or replace. With `issued_at` (an issuer's credential), a stored one issued at
        or after it stays, and the answer is None."""
        new = insert(credentials).values(
            tenant_id=tenant_id, provider=provider, ciphertext=ciphertext, issued_at=issued_at
        )
        newer = (
            None
            if issued_at is None
            else credentials.c.issued_at.is_(None) | (credentials.c.issued_at < issued_at)
        )
        statement = new.on_conflict_do_update(
            index_elements=["tenant_id", "provider"],
            set_={
                "ciphertext": new.excluded.ciphertext,
                "issued_at": new.excluded.issued_at,
                "updated_at": func.now(),
            },
            where=newer,
        ).returning(
            credentials.c.created_at,
            credentials.c.updated_at,
            literal_column("xmax = 0").label("inserted"),  # PostgreSQL: no prior row version
        )
        row = (await self._session.execute(statement)).first()
        return (
            None
            if row is None
            else StoredCredential(row.created_at, row.updated_at, bool(row.inserted))
        )

    async def delete_credential(self, tenant_id: UUID, provider: str) -> bool:
        deleted = await self._session.execute(
            delete(credentials)
            .where(credentials.c.tenant_id == tenant_id, credentials.c.provider == provider)
            .returning(credentials.c.provider)
        )
        return deleted.first() is not None

    async def audit(
        self, tenant_id: UUID, provider: str | None, action: Action, actor: str, outcome: Outcome
    ) -> None:
        await self._session.execute(
            vault_audit.insert().values(
                id=uuid.uuid4(),
                tenant_id=tenant_id,
                provider=provider,
                action=action,
                actor=actor[:200],
                outcome=outcome,
            )
        )
