"""A tenant's contacts; the partial unique index `contacts_one_primary_uq` allows one primary."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tenant_api.adapters.orm import contacts

_COLUMNS = [c for c in contacts.c if c.name != "tenant_id"]


async def list_for(session: AsyncSession, tenant_id: UUID) -> list[Row[Any]]:
    """The primary contact first, then by name."""
    query = (
        select(*_COLUMNS)
        .where(contacts.c.tenant_id == tenant_id)
        .order_by(contacts.c.is_primary.desc(), contacts.c.last_name, contacts.c.first_name)
    )
    return list((await session.execute(query)).all())


async def get(session: AsyncSession, tenant_id: UUID, contact_id: UUID) -> Row[Any] | None:
    query = select(*_COLUMNS).where(contacts.c.tenant_id == tenant_id, contacts.c.id == contact_id)
    return (await session.execute(query)).first()


async def primary(session: AsyncSession, tenant_id: UUID) -> Row[Any] | None:
    query = select(*_COLUMNS).where(contacts.c.tenant_id == tenant_id, contacts.c.is_primary)
    return (await session.execute(query)).first()


async def add(session: AsyncSession, tenant_id: UUID, **values: Any) -> None:
    await session.execute(insert(contacts).values(tenant_id=tenant_id, **values))


async def change(session: AsyncSession, contact_id: UUID, **values: Any) -> None:
    await session.execute(update(contacts).where(contacts.c.id == contact_id).values(**values))


async def unset_primary(session: AsyncSession, tenant_id: UUID) -> None:
    """Before another contact becomes primary: the index is checked statement by statement."""
    await session.execute(
        update(contacts)
        .where(contacts.c.tenant_id == tenant_id, contacts.c.is_primary)
        .values(is_primary=False)
    )


async def remove(session: AsyncSession, contact_id: UUID) -> None:
    await session.execute(delete(contacts).where(contacts.c.id == contact_id))
