"""PATCH of a tenant: its name, domains and address; status, key, tier and plan are not here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from shared_schemas import Actor
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.onboarding import check_contact_domain
from tenant_api.domain.tenant import PostalAddress
from tenant_api.domain.tenant_details import TenantDetails


@dataclass(frozen=True)
class EditTenant:
    tenant_id: UUID
    actor: Actor
    name: str | None = None  # None: unchanged
    domains: list[str] | None = None  # None: unchanged
    address: PostalAddress | None = None
    address_given: bool = False  # with `address` None: remove the address


async def edit_tenant(cmd: EditTenant, uow: TenantApiUnitOfWork, now: datetime) -> None:
    """Apply the changes with their `tenant.updated`; the primary contact's e-mail domain must
    stay among the domains. An edit that changes nothing writes nothing."""
    tenant = await uow.tenants.ensure_writable(cmd.tenant_id)  # read-only in a grace
    before = TenantDetails(tenant.name, tenant.domains, await uow.tenants.address(tenant.id))
    after = before.edit(
        name=cmd.name, domains=cmd.domains, address=cmd.address, address_given=cmd.address_given
    )
    event = before.updated(after, tenant_id=tenant.id, now=now, actor=cmd.actor)
    if event is None:
        return
    values: dict[str, Any] = {}
    if after.name != before.name:
        values["name"] = after.name
    if after.domains != before.domains:
        primary = await uow.contacts.primary(tenant.id)
        if primary is not None:
            check_contact_domain(primary.email, after.domains, field="domains")
        values["domains"] = list(after.domains)  # shown by /config: `change` bumps its generation
    if after.address != before.address:
        await uow.tenants.set_address(tenant.id, after.address)
    await uow.tenants.change(tenant.id, **values)
    await uow.outbox.add(event)
