"""A tenant's contacts; the partial unique index `contacts_one_primary_uq` allows one primary."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tenant_api.adapters.orm import contacts
from tenant_api.domain.contacts import ContactChanges, TenantContact

_COLUMNS = [c for c in contacts.c if c.name != "tenant_id"]


class ContactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def list_for(self, tenant_id: UUID) -> list[TenantContact]:
        """The primary contact first, then by name."""
        query = (
            select(*_COLUMNS)
            .where(contacts.c.tenant_id == tenant_id)
            .order_by(contacts.c.is_primary.desc(), contacts.c.last_name, contacts.c.first_name)
        )
        return [_contact(row) for row in (await self._session.execute(query)).all()]

    async def get(self, tenant_id: UUID, contact_id: UUID) -> TenantContact | None:
        query = select(*_COLUMNS).where(
            contacts.c.tenant_id == tenant_id, contacts.c.id == contact_id
        )
        return _contact_or_none((await self._session.execute(query)).first())

    async def primary(self, tenant_id: UUID) -> TenantContact | None:
        query = select(*_COLUMNS).where(contacts.c.tenant_id == tenant_id, contacts.c.is_primary)
        return _contact_or_none((await self._session.execute(query)).first())

    async def add(self, tenant_id: UUID, contact: TenantContact) -> None:
        await self._session.execute(
            insert(contacts).values(
                tenant_id=tenant_id,
                id=contact.id,
                first_name=contact.first_name,
                last_name=contact.last_name,
                email=contact.email,
                is_primary=contact.is_primary,
            )
        )

    async def change(self, contact_id: UUID, changes: ContactChanges) -> None:
        await self._session.execute(
            update(contacts).where(contacts.c.id == contact_id).values(**changes.given())
        )

    async def unset_primary(self, tenant_id: UUID) -> None:
        """Before another contact becomes primary: the index is checked statement by statement."""
        await self._session.execute(
            update(contacts)
            .where(contacts.c.tenant_id == tenant_id, contacts.c.is_primary)
            .values(is_primary=False)
        )

    async def remove(self, contact_id: UUID) -> None:
        await self._session.execute(delete(contacts).where(contacts.c.id == contact_id))


def _contact(row: Row[Any]) -> TenantContact:
    return TenantContact(**row._asdict())


def _contact_or_none(row: Row[Any] | None) -> TenantContact | None:
    return None if row is None else _contact(row)
