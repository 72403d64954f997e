"""Reading and writing tenants with their contacts and address."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, Uuid, any_, bindparam, delete, func, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from shared_schemas.events import Contact
from tenant_api.adapters.orm import addresses, contacts, tenants
from tenant_api.domain.status import TenantStatus


async def key_taken(session: AsyncSession, key: str) -> bool:
    return await session.scalar(select(tenants.c.id).where(tenants.c.key == key)) is not None


async def lead_has_tenant(session: AsyncSession, lead_id: UUID) -> bool:
    found = await session.scalar(select(tenants.c.id).where(tenants.c.lead_id == lead_id))
    return found is not None


# Built once; each row's values are the parameters.
_ADD_TENANT = insert(tenants)
_ADD_CONTACT = insert(contacts)
_ADD_ADDRESS = insert(addresses)


async def add(
    session: AsyncSession,
    tenant: dict[str, Any],
    contact: dict[str, Any],
    address: dict[str, Any] | None,
) -> None:
    await session.execute(_ADD_TENANT, tenant)
    await session.execute(_ADD_CONTACT, {"tenant_id": tenant["id"], **contact})
    if address:
        await session.execute(_ADD_ADDRESS, {"tenant_id": tenant["id"], **address})


async def get(session: AsyncSession, tenant_id: UUID) -> dict[str, Any] | None:
    views = await _views(session, [tenant_id])
    return views[0] if views else None


@dataclass(frozen=True)
class TenantFilter:
    status: str | None = None
    tier: str | None = None
    key_prefix: str | None = None
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive


async def list_page(
    session: AsyncSession,
    where: TenantFilter,
    *,
    before: tuple[datetime, UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Up to `limit` tenants newest first, strictly after the (created_at, id) position `before`.

    Ordered by (created_at, id) descending, so the order is total and a keyset cursor is stable
    while tenants are added.
    """
    query = select(tenants.c.id).order_by(tenants.c.created_at.desc(), tenants.c.id.desc())
    if where.status:
        query = query.where(tenants.c.status == where.status)
    if where.tier:
        query = query.where(tenants.c.tier == where.tier)
    if where.key_prefix:
        query = query.where(tenants.c.key.startswith(where.key_prefix, autoescape=True))
    if where.created_from:
        query = query.where(tenants.c.created_at >= where.created_from)
    if where.created_to:
        query = query.where(tenants.c.created_at < where.created_to)
    if before is not None:
        query = query.where(tuple_(tenants.c.created_at, tenants.c.id) < tuple_(*before))
    ids = list((await session.scalars(query.limit(limit))).all())
    return await _views(session, ids)


# Built once, the ids as one array parameter (`= ANY($1)`): an IN list is expanded into the SQL
# at every execution, and building the three statements cost more than running them.
_IDS = bindparam("ids", type_=ARRAY(Uuid))
_TENANTS_BY_ID = select(tenants).where(tenants.c.id == any_(_IDS))
_CONTACTS_BY_TENANT = (
    select(contacts)
    .where(contacts.c.tenant_id == any_(_IDS))
    .order_by(contacts.c.is_primary.desc(), contacts.c.last_name)
)
_ADDRESSES_BY_TENANT = select(addresses).where(addresses.c.tenant_id == any_(_IDS))


async def _views(session: AsyncSession, ids: Sequence[UUID]) -> list[dict[str, Any]]:
    """Tenants by id (order kept) with contacts and address, in three queries in all."""
    if not ids:
        return []
    by = {"ids": list(ids)}
    rows = (await session.execute(_TENANTS_BY_ID, by)).all()
    people = (await session.execute(_CONTACTS_BY_TENANT, by)).all()
    places = (await session.execute(_ADDRESSES_BY_TENANT, by)).all()
    by_id = {row.id: _tenant(row) for row in rows}
    for person in people:
        by_id[person.tenant_id]["contacts"].append(_without_tenant(person))
    for place in places:
        by_id[place.tenant_id]["address"] = _without_tenant(place)
    return [by_id[i] for i in ids if i in by_id]


# Served by /config, not with the tenant.
_CONFIG_ONLY = ("feature_flags", "config_generation", "app_url")


def _tenant(row: Row[Any]) -> dict[str, Any]:
    values = {k: v for k, v in row._asdict().items() if k not in _CONFIG_ONLY}
    return {**values, "contacts": [], "address": None}


def _without_tenant(row: Row[Any]) -> dict[str, Any]:
    values = row._asdict()
    values.pop("tenant_id")
    return values


_EXISTS = select(tenants.c.id).where(tenants.c.id == bindparam("tenant_id"))
_LOCK = select(tenants).where(tenants.c.id == bindparam("tenant_id")).with_for_update()
_PRIMARY_CONTACT = (
    select(contacts)
    .where(contacts.c.tenant_id == bindparam("tenant_id"))
    .order_by(contacts.c.is_primary.desc(), contacts.c.id)
    .limit(1)
)


async def exists(session: AsyncSession, tenant_id: UUID) -> bool:
    return await session.scalar(_EXISTS, {"tenant_id": tenant_id}) is not None


async def lock(session: AsyncSession, tenant_id: UUID) -> Row[Any] | None:
    """The tenant row, locked until the transaction ends (commands and saga events serialise)."""
    return (await session.execute(_LOCK, {"tenant_id": tenant_id})).first()


# The columns GET /tenants/{id}/config shows (with the plan, which only migrations change).
CONFIG_COLUMNS = frozenset(
    {"key", "status", "tier", "plan_id", "domains", "feature_flags", "app_url"}
)


async def change(session: AsyncSession, tenant_id: UUID, **values: Any) -> None:
    """Write the tenant's columns; the one way a tenant row changes after onboarding.

    A change to any of CONFIG_COLUMNS bumps `config_generation` in the same statement, so in
    the same transaction: the config cache relies on it (see handlers/tenant_config.py).
    """
    if CONFIG_COLUMNS.intersection(values):
        values["config_generation"] = tenants.c.config_generation + 1
    await session.execute(
        update(tenants).where(tenants.c.id == tenant_id).values(**values, updated_at=func.now())
    )


async def set_status(
    session: AsyncSession, tenant_id: UUID, status: TenantStatus, **values: Any
) -> None:
    await change(session, tenant_id, status=status, **values)


async def set_address(
    session: AsyncSession, tenant_id: UUID, address: dict[str, Any] | None
) -> None:
    """Replace the tenant's address; None removes it."""
    await session.execute(delete(addresses).where(addresses.c.tenant_id == tenant_id))
    if address:
        await session.execute(_ADD_ADDRESS, {"tenant_id": tenant_id, **address})


async def primary_contact(session: AsyncSession, tenant_id: UUID) -> Contact:
    """The primary contact (or, failing that, the first one) as events carry it."""
    row = (await session.execute(_PRIMARY_CONTACT, {"tenant_id": tenant_id})).one()
    return Contact(first_name=row.first_name, last_name=row.last_name, email=row.email)
