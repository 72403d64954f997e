"""A tenant's contacts: exactly one primary at all times, every e-mail in the tenant's domains.

Each command locks the tenant row first, so contact changes, primary switches and domain
changes of one tenant run one at a time; the unique partial index is the last line of defence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from shared_schemas import Actor
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
    actor: Actor
    is_primary: bool = False


@dataclass(frozen=True)
class EditContact:
    tenant_id: UUID
    contact_id: UUID
    changes: ContactChanges
    actor: Actor


async def add_contact(
    tenant_id: UUID, new: NewContact, uow: TenantApiUnitOfWork, now: datetime
) -> UUID:
    """Add a contact; as primary, the previous primary stops being one (same transaction)."""
    tenant = await _locked_tenant(uow, tenant_id)
    check_contact_domain(new.email, tenant.domains, field="email")
    current = await uow.contacts.primary(tenant_id)
    primary = new.is_primary or current is None
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
    demoted = current.id if primary and current is not None else None
    await uow.outbox.add(contact.added(tenant_id, demoted, now, new.actor))
    return contact.id


async def edit_contact(cmd: EditContact, uow: TenantApiUnitOfWork, now: datetime) -> None:
    """Change a contact; making it primary demotes the other one, in the same transaction.
    An edit that changes nothing writes nothing."""
    tenant = await _locked_tenant(uow, cmd.tenant_id)
    contact = await read_contact(uow, cmd.tenant_id, cmd.contact_id)
    effective = contact.edit(cmd.changes, tenant.domains)
    edited = contact.edited(effective)
    demoted = None
    if effective.is_primary:
        previous = await uow.contacts.primary(cmd.tenant_id)
        demoted = previous.id if previous is not None else None
    event = contact.updated(
        edited, tenant_id=cmd.tenant_id, demoted=demoted, now=now, actor=cmd.actor
    )
    if event is None:
        return
    if effective.is_primary:
        await uow.contacts.unset_primary(cmd.tenant_id)
    await uow.contacts.change(cmd.contact_id, effective)
    await uow.outbox.add(event)


async def remove_contact(
    tenant_id: UUID, contact_id: UUID, actor: Actor, uow: TenantApiUnitOfWork, now: datetime
) -> None:
    """Delete a contact other than the primary (promote another one first)."""
    await _locked_tenant(uow, tenant_id)
    contact = await read_contact(uow, tenant_id, contact_id)
    contact.check_removable()
    await uow.contacts.remove(contact_id)
    await uow.outbox.add(contact.removed(tenant_id, now, actor))


async def read_contact(
    uow: TenantApiUnitOfWork, tenant_id: UUID, contact_id: UUID
) -> TenantContact:
    contact = await uow.contacts.get(tenant_id, contact_id)
    if contact is None:
        raise ContactNotFound()
    return contact


async def _locked_tenant(uow: TenantApiUnitOfWork, tenant_id: UUID) -> Tenant:
    return await uow.tenants.ensure_writable(tenant_id)
