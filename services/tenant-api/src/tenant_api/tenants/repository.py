"""Reading and writing tenants with their contacts and address."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, Uuid, any_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.db import UnitOfWork
from service_kit.rows import from_row
from shared_schemas.events import Contact, Tier
from tenant_api.adapters.orm import addresses, contacts, tenants
from tenant_api.domain.contacts import TenantContact
from tenant_api.domain.errors import OnboardingRaced, TenantNotFound
from tenant_api.domain.status import TenantStatus
from tenant_api.domain.tenant import PostalAddress, Tenant, TenantView
from tenant_api.tenants import list_queries
from tenant_api.tenants.list_queries import TenantFilter

# Built once; each row's values are the parameters.
_ADD_TENANT = insert(tenants)
_ADD_CONTACT = insert(contacts)
_ADD_ADDRESS = insert(addresses)

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

_EXISTS = select(tenants.c.id).where(tenants.c.id == bindparam("tenant_id"))
_LOCK = select(tenants).where(tenants.c.id == bindparam("tenant_id")).with_for_update()
_PRIMARY_CONTACT = (
    select(contacts)
    .where(contacts.c.tenant_id == bindparam("tenant_id"))
    .order_by(contacts.c.is_primary.desc(), contacts.c.id)
    .limit(1)
)

# The columns GET /tenants/{id}/config shows (with the plan, which only migrations change).
CONFIG_COLUMNS = frozenset(
    {"key", "status", "tier", "plan_id", "domains", "feature_flags", "app_url"}
)


class TenantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def key_taken(self, key: str) -> bool:
        found = await self._session.scalar(select(tenants.c.id).where(tenants.c.key == key))
        return found is not None

    async def lead_has_tenant(self, lead_id: UUID) -> bool:
        found = await self._session.scalar(select(tenants.c.id).where(tenants.c.lead_id == lead_id))
        return found is not None

    async def add(
        self, tenant: Tenant, contact: TenantContact, address: PostalAddress | None
    ) -> None:
        """A new tenant with its primary contact (and address); flags and app URL as defaulted."""
        await self._session.execute(_ADD_TENANT, _new_tenant_row(tenant))
        await self._session.execute(_ADD_CONTACT, {"tenant_id": tenant.id, **_fields(contact)})
        if address:
            await self._session.execute(_ADD_ADDRESS, {"tenant_id": tenant.id, **_fields(address)})

    async def get(self, tenant_id: UUID) -> TenantView | None:
        views = await self._views([tenant_id])
        return views[0] if views else None

    async def list_page(
        self, where: TenantFilter, *, before: tuple[datetime, UUID] | None, limit: int
    ) -> list[TenantView]:
        """Up to `limit` tenants newest first, strictly after the (created_at, id) position
        `before`.

        Ordered by (created_at, id) descending, so the order is total and a keyset cursor is
        stable while tenants are added.
        """
        query = list_queries.page_ids(where, before=before, limit=limit)
        ids = list((await self._session.scalars(query)).all())
        return await self._views(ids)

    async def count(self, where: TenantFilter) -> int:
        """How many tenants `list_page` pages through with the same filter."""
        return int(await self._session.scalar(list_queries.count(where)) or 0)

    async def _views(self, ids: Sequence[UUID]) -> list[TenantView]:
        """Tenants by id (order kept) with contacts and address, in three queries in all."""
        if not ids:
            return []
        by = {"ids": list(ids)}
        rows = (await self._session.execute(_TENANTS_BY_ID, by)).all()
        people = (await self._session.execute(_CONTACTS_BY_TENANT, by)).all()
        places = (await self._session.execute(_ADDRESSES_BY_TENANT, by)).all()
        contacts_of: dict[UUID, list[TenantContact]] = {row.id: [] for row in rows}
        for person in people:
            contacts_of[person.tenant_id].append(TenantContact(**_without_tenant(person)))
        address_of = {place.tenant_id: PostalAddress(**_without_tenant(place)) for place in places}
        by_id = {
            row.id: TenantView(_tenant(row), tuple(contacts_of[row.id]), address_of.get(row.id))
            for row in rows
        }
        return [by_id[i] for i in ids if i in by_id]

    async def exists(self, tenant_id: UUID) -> bool:
        return await self._session.scalar(_EXISTS, {"tenant_id": tenant_id}) is not None

    async def ensure_exists(self, tenant_id: UUID) -> None:
        """TenantNotFound unless the tenant exists: what a tenant's sub-resource reads first."""
        if not await self.exists(tenant_id):
            raise TenantNotFound(tenant_id)

    async def lock(self, tenant_id: UUID) -> Tenant | None:
        """The tenant, locked until the transaction ends (commands and saga events serialise)."""
        row = (await self._session.execute(_LOCK, {"tenant_id": tenant_id})).first()
        return None if row is None else _tenant(row)

    async def ensure_writable(self, tenant_id: UUID) -> Tenant:
        """The tenant, locked; TenantNotFound, or OffboardingScheduled during the grace."""
        tenant = await self.lock(tenant_id)
        if tenant is None:
            raise TenantNotFound(tenant_id)
        tenant.check_writable()
        return tenant

    async def lock_due_offboardings(self, now: datetime, limit: int) -> list[Tenant]:
        """Tenants whose offboarding grace has ended, locked; rows another transaction holds
        are skipped (SKIP LOCKED), so replicas never start the same one twice."""
        query = (
            select(tenants)
            .where(
                tenants.c.status == TenantStatus.OFFBOARDING_SCHEDULED,
                tenants.c.offboarding_due_at <= now,
            )
            .order_by(tenants.c.offboarding_due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_tenant(row) for row in (await self._session.execute(query)).all()]

    async def change(self, tenant_id: UUID, **values: Any) -> None:
        """Write the tenant's columns; the one way a tenant row changes after onboarding.

        A change to any of CONFIG_COLUMNS bumps `config_generation` in the same statement, so
        in the same transaction: the config cache relies on it (see config/tenant_configs.py).
        """
        if CONFIG_COLUMNS.intersection(values):
            values["config_generation"] = tenants.c.config_generation + 1
        await self._session.execute(
            update(tenants).where(tenants.c.id == tenant_id).values(**values, updated_at=func.now())
        )

    async def set_status(self, tenant_id: UUID, status: TenantStatus, **values: Any) -> None:
        await self.change(tenant_id, status=status, **values)

    async def address(self, tenant_id: UUID) -> PostalAddress | None:
        row = (await self._session.execute(_ADDRESSES_BY_TENANT, {"ids": [tenant_id]})).first()
        return None if row is None else PostalAddress(**_without_tenant(row))

    async def set_address(self, tenant_id: UUID, address: PostalAddress | None) -> None:
        """Replace the tenant's address; None removes it."""
        await self._session.execute(delete(addresses).where(addresses.c.tenant_id == tenant_id))
        if address:
            await self._session.execute(_ADD_ADDRESS, {"tenant_id": tenant_id, **_fields(address)})

    async def primary_contact(self, tenant_id: UUID) -> Contact:
        """The primary contact (or, failing that, the first one) as events carry it."""
        row = (await self._session.execute(_PRIMARY_CONTACT, {"tenant_id": tenant_id})).one()
        return Contact(first_name=row.first_name, last_name=row.last_name, email=row.email)


async def commit_new_tenant(uow: UnitOfWork) -> None:
    """Commit an onboarding; a unique key lost to a concurrent request is OnboardingRaced."""
    try:
        await uow.commit()
    except IntegrityError as exc:
        raise OnboardingRaced() from exc


def _tenant(row: Row[Any]) -> Tenant:
    # Leaves out config_generation: served by /config, not with the tenant.
    return from_row(
        Tenant,
        row,
        status=TenantStatus(row.status),
        tier=Tier(row.tier),
        domains=tuple(row.domains),
        offboarding_from=TenantStatus(row.offboarding_from) if row.offboarding_from else None,
    )


def _new_tenant_row(tenant: Tenant) -> dict[str, Any]:
    values = _fields(tenant)
    for defaulted in ("feature_flags", "app_url", "offboarding_due_at", "offboarding_from"):
        del values[defaulted]  # the columns' defaults
    return {**values, "domains": list(tenant.domains)}


def _fields(obj: Tenant | TenantContact | PostalAddress) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


def _without_tenant(row: Row[Any]) -> dict[str, Any]:
    values = row._asdict()
    values.pop("tenant_id")
    return values
