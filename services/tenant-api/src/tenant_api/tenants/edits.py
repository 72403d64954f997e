"""PATCH of a tenant: its name, domains and address; status, key, tier and plan are not here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from service_kit.db import UnitOfWork
from service_kit.problems import NotFound
from shared_schemas.events import Address
from tenant_api.contacts import repository as contacts
from tenant_api.contacts.use_cases import require_contact_domain
from tenant_api.tenants import repository as tenants


@dataclass(frozen=True)
class EditTenant:
    tenant_id: UUID
    name: str | None = None  # None: unchanged
    domains: list[str] | None = None  # None: unchanged
    address: Address | None = None
    address_given: bool = False  # with `address` None: remove the address


async def edit_tenant(cmd: EditTenant, uow: UnitOfWork) -> None:
    """Apply the changes; the primary contact's e-mail domain must stay among the domains."""
    tenant = await tenants.lock(uow.session, cmd.tenant_id)
    if tenant is None:
        raise NotFound("No such tenant.")
    values: dict[str, Any] = {}
    if cmd.name is not None and cmd.name != tenant.name:
        values["name"] = cmd.name
    if cmd.domains is not None and cmd.domains != list(tenant.domains):
        primary = await contacts.primary(uow.session, cmd.tenant_id)
        if primary is not None:
            require_contact_domain(primary.email, cmd.domains, "domains")
        values["domains"] = cmd.domains  # shown by /config: `change` bumps its generation
    if cmd.address_given:
        address = cmd.address.model_dump() if cmd.address else None
        await tenants.set_address(uow.session, cmd.tenant_id, address)
    if values or cmd.address_given:
        await tenants.change(uow.session, cmd.tenant_id, **values)
