"""Reading and writing tenants with their contacts and address."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared_schemas.events import Contact
from tenant_api.adapters.orm import addresses, contacts, tenants
from tenant_api.domain.status import TenantStatus


async def key_taken(session: AsyncSession, key: str) -> bool:
    return await session.scalar(select(tenants.c.id).where(tenants.c.key == key)) is not None


async def lead_has_tenant(session: AsyncSession, lead_id: UUID) -> bool:
    found = await session.scalar(select(tenants.c.id).where(tenants.c.lead_id == lead_id))
    return found is not None


async def add(
    session: AsyncSession,
    tenant: dict[str, Any],
    contact: dict[str, Any],
    address: dict[str, Any] | None,
) -> None:
    await session.execute(insert(tenants).values(**tenant))
    await session.execute(insert(contacts).values(tenant_id=tenant["id"], **contact))
    if address:
        await session.execute(insert(addresses).values(tenant_id=tenant["id"], **address))


async def get(session: AsyncSession, tenant_id: UUID) -> dict[str, Any] | None:
    views = await _views(session, [tenant_id])
    return views[0] if views else None


async def list_page(
    session: AsyncSession, *, status: str | None, limit: int
) -> list[dict[str, Any]]:
    query = select(tenants.c.id).order_by(tenants.c.created_at.desc(), tenants.c.id).limit(limit)
    if status:
        query = query.where(tenants.c.status == status)
    ids = list((await session.scalars(query)).all())
    return await _views(session, ids)


async def _views(session: AsyncSession, ids: Sequence[UUID]) -> list[dict[str, Any]]:
    """Tenants by id (order kept) with contacts and address, in three queries in all."""
    if not ids:
        return []
    rows = (await session.execute(select(tenants).where(tenants.c.id.in_(ids)))).all()
    people = (
        await session.execute(
            select(contacts)
            .where(contacts.c.tenant_id.in_(ids))
            .order_by(contacts.c.is_primary.desc(), contacts.c.last_name)
        )
    ).all()
    places = (await session.execute(select(addresses).where(addresses.c.tenant_id.in_(ids)))).all()
    by_id = {row.id: _tenant(row) for row in rows}
    for person in people:
        by_id[person.tenant_id]["contacts"].append(_without_tenant(person))
    for place in places:
        by_id[place.tenant_id]["address"] = _without_tenant(place)
    return [by_id[i] for i in ids if i in by_id]


_CONFIG_ONLY = ("feature_flags", "config_generation")  # served by /config, not with the tenant


def _tenant(row: Row[Any]) -> dict[str, Any]:
    values = {k: v for k, v in row._asdict().items() if k not in _CONFIG_ONLY}
    return {**values, "contacts": [], "address": None}


def _without_tenant(row: Row[Any]) -> dict[str, Any]:
    values = row._asdict()
    values.pop("tenant_id")
    return values


async def exists(session: AsyncSession, tenant_id: UUID) -> bool:
    return await session.scalar(select(tenants.c.id).where(tenants.c.id == tenant_id)) is not None


async def lock(session: AsyncSession, tenant_id: UUID) -> Row[Any] | None:
    """The tenant row, locked until the transaction ends (commands and saga events serialise)."""
    query = select(tenants).where(tenants.c.id == tenant_id).with_for_update()
    return (await session.execute(query)).first()


async def set_status(session: AsyncSession, tenant_id: UUID, status: TenantStatus) -> None:
    await session.execute(
        update(tenants)
        .where(tenants.c.id == tenant_id)
        .values(status=status, updated_at=func.now())
    )


async def primary_contact(session: AsyncSession, tenant_id: UUID) -> Contact:
    """The primary contact (or, failing that, the first one) as events carry it."""
    row = (
        await session.execute(
            select(contacts)
            .where(contacts.c.tenant_id == tenant_id)
            .order_by(contacts.c.is_primary.desc(), contacts.c.id)
            .limit(1)
        )
    ).one()
    return Contact(first_name=row.first_name, last_name=row.last_name, email=row.email)
