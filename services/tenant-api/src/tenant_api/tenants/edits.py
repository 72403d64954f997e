"""PATCH of a tenant: its name, domains and address; status, key, tier and plan are not here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.onboarding import check_contact_domain
from tenant_api.domain.tenant import PostalAddress


@dataclass(frozen=True)
class EditTenant:
    tenant_id: UUID
    name: str | None = None  # None: unchanged
    domains: list[str] | None = None  # None: unchanged
    address: PostalAddress | None = None
    address_given: bool = False  # with `address` None: remove the address


async def edit_tenant(cmd: EditTenant, uow: TenantApiUnitOfWork) -> None:
    """Apply the changes; the primary contact's e-mail domain must stay among the domains."""
    tenant = await uow.tenants.ensure_writable(cmd.tenant_id)
    values: dict[str, Any] = {}
    if cmd.name is not None and cmd.name != tenant.name:
        values["name"] = cmd.name
    if cmd.domains is not None and cmd.domains != list(tenant.domains):
        primary = await uow.contacts.primary(cmd.tenant_id)
        if primary is not None:
            check_contact_domain(primary.email, cmd.domains, field="domains")
        values["domains"] = cmd.domains  # shown by /config: `change` bumps its generation
    if cmd.address_given:
        await uow.tenants.set_address(cmd.tenant_id, cmd.address)
    if values or cmd.address_given:
        await uow.tenants.change(cmd.tenant_id, **values)
