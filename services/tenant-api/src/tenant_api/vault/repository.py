"""The vault's rows: wrapped data keys, sealed credentials, and the audit trail."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from sqlalchemy import Row, delete, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession

from tenant_api.adapters.orm import credentials, tenant_data_keys, vault_audit


async def data_key(
    session: AsyncSession, tenant_id: UUID, *, lock: bool = False
) -> Row[Any] | None:
    query = select(tenant_data_keys).where(tenant_data_keys.c.tenant_id == tenant_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).first()


async def add_data_key(
    session: AsyncSession, tenant_id: UUID, wrapped: bytes, version: int
) -> bool:
    """False when another request gave the tenant its data key first (that one stands)."""
    inserted = await session.execute(
        insert(tenant_data_keys)
        .values(tenant_id=tenant_id, wrapped_key=wrapped, master_key_version=version)
        .on_conflict_do_nothing(index_elements=["tenant_id"])
        .returning(tenant_data_keys.c.tenant_id)
    )
    return inserted.first() is not None


async def rewrap_data_key(
    session: AsyncSession, tenant_id: UUID, wrapped: bytes, version: int
) -> None:
    await session.execute(
        update(tenant_data_keys)
        .where(tenant_data_keys.c.tenant_id == tenant_id)
        .values(wrapped_key=wrapped, master_key_version=version, rewrapped_at=func.now())
    )


async def keys_to_rewrap(session: AsyncSession, current_version: int) -> int:
    query = select(func.count()).where(tenant_data_keys.c.master_key_version != current_version)
    return int(await session.scalar(query) or 0)


async def tenants_to_rewrap(
    session: AsyncSession, current_version: int, *, after: UUID | None, limit: int
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
    return list((await session.scalars(query)).all())


async def one_key_per_version(session: AsyncSession) -> list[Row[Any]]:
    """A sample wrapped key for every master key version in use."""
    query = (
        select(tenant_data_keys)
        .ext(distinct_on(tenant_data_keys.c.master_key_version))
        .order_by(tenant_data_keys.c.master_key_version, tenant_data_keys.c.tenant_id)
    )
    return list((await session.execute(query)).all())


async def credential(session: AsyncSession, tenant_id: UUID, provider: str) -> Row[Any] | None:
    query = select(credentials).where(
        credentials.c.tenant_id == tenant_id, credentials.c.provider == provider
    )
    return (await session.execute(query)).first()


async def providers(session: AsyncSession, tenant_id: UUID) -> list[Row[Any, Any, Any]]:
    """Provider names with their times; never the ciphertext."""
    query = (
        select(credentials.c.provider, credentials.c.created_at, credentials.c.updated_at)
        .where(credentials.c.tenant_id == tenant_id)
        .order_by(credentials.c.provider)
    )
    return list((await session.execute(query)).all())


async def put_credential(
    session: AsyncSession, tenant_id: UUID, provider: str, ciphertext: bytes
) -> Row[Any]:
    """Insert or replace; the row comes back with `inserted` true when it is new."""
    new = insert(credentials).values(tenant_id=tenant_id, provider=provider, ciphertext=ciphertext)
    statement = new.on_conflict_do_update(
        index_elements=["tenant_id", "provider"],
        set_={"ciphertext": new.excluded.ciphertext, "updated_at": func.now()},
    ).returning(
        credentials.c.created_at,
        credentials.c.updated_at,
        literal_column("xmax = 0").label("inserted"),  # PostgreSQL: no prior row version
    )
    return (await session.execute(statement)).one()


async def delete_credential(session: AsyncSession, tenant_id: UUID, provider: str) -> bool:
    deleted = await session.execute(
        delete(credentials)
        .where(credentials.c.tenant_id == tenant_id, credentials.c.provider == provider)
        .returning(credentials.c.provider)
    )
    return deleted.first() is not None


async def audit(
    session: AsyncSession,
    *,
    tenant_id: UUID,
    provider: str | None,
    action: str,
    actor: str,
    outcome: str,
) -> None:
    await session.execute(
        vault_audit.insert().values(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            provider=provider,
            action=action,
            actor=actor[:200],
            outcome=outcome,
        )
    )
