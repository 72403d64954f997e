"""A tenant's contacts: exactly one primary at all times, every e-mail in the tenant's domains.

Each command locks the tenant row first, so contact changes, primary switches and domain
changes of one tenant run one at a time; the unique partial index is the last line of defence.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.contacts import ContactChanges, TenantContact
from tenant_api.domain.errors import ContactNotFound
from tenant_api.domain.onboarding import check_contact_domain
from tenant_api.domain.tenant import Tenant


@dataclass(frozen=True)
class NewContact:
    first_name: str
    last_name: str
    email: str
    is_primary: bool = False


async def add_contact(tenant_id: UUID, new: NewContact, uow: TenantApiUnitOfWork) -> UUID:
    """Add a contact; as primary, the previous primary stops being one (same transaction)."""
    tenant = await _locked_tenant(uow, tenant_id)
    check_contact_domain(new.email, tenant.domains, field="email")
    primary = new.is_primary or await uow.contacts.primary(tenant_id) is None
    if primary:
        await uow.contacts.unset_primary(tenant_id)
    contact = TenantContact(
        id=uuid4(),
        first_name=new.first_name,
        last_name=new.last_name,
        email=new.email,
        is_primary=primary,
    )
    await uow.contacts.add(tenant_id, contact)
    return contact.id


async def edit_contact(
    tenant_id: UUID, contact_id: UUID, changes: ContactChanges, uow: TenantApiUnitOfWork
) -> None:
    """Change a contact; making it primary demotes the other one, in the same transaction."""
    tenant = await _locked_tenant(uow, tenant_id)
    contact = await read_contact(uow, tenant_id, contact_id)
    effective = contact.edit(changes, tenant.domains)
    if effective.is_primary:
        await uow.contacts.unset_primary(tenant_id)
    if effective.given():
        await uow.contacts.change(contact_id, effective)


async def remove_contact(tenant_id: UUID, contact_id: UUID, uow: TenantApiUnitOfWork) -> None:
    """Delete a contact other than the primary (promote another one first)."""
    await _locked_tenant(uow, tenant_id)
    contact = await read_contact(uow, tenant_id, contact_id)
    contact.check_removable()
    await uow.contacts.remove(contact_id)


async def read_contact(
    uow: TenantApiUnitOfWork, tenant_id: UUID, contact_id: UUID
) -> TenantContact:
    contact = await uow.contacts.get(tenant_id, contact_id)
    if contact is None:
        raise ContactNotFound()
    return contact


async def _locked_tenant(uow: TenantApiUnitOfWork, tenant_id: UUID) -> Tenant:
    return await uow.tenants.ensure_writable(tenant_id)
