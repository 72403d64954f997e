"""A tenant's contacts: exactly one primary at all times, every e-mail in the tenant's domains.

Each command locks the tenant row first, so contact changes, primary switches and domain
changes of one tenant run one at a time; the unique partial index is the last line of defence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Row

from service_kit.db import UnitOfWork
from service_kit.problems import Conflict, NotFound, Unprocessable
from tenant_api.contacts import repository as contacts
from tenant_api.domain.onboarding import DomainMismatch, check_contact_domain
from tenant_api.tenants import repository as tenants


@dataclass(frozen=True)
class NewContact:
    first_name: str
    last_name: str
    email: str
    is_primary: bool = False


@dataclass(frozen=True)
class ContactChanges:
    """None: unchanged."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    is_primary: bool | None = None


def require_contact_domain(email: str, domains: list[str], field: str) -> None:
    """422 (naming body field `field`) unless the e-mail's domain is one of `domains`."""
    try:
        check_contact_domain(email, domains)
    except DomainMismatch as exc:
        raise Unprocessable(
            str(exc), errors=[{"loc": ["body", field], "msg": str(exc), "type": "domain_mismatch"}]
        ) from exc


async def add_contact(tenant_id: UUID, new: NewContact, uow: UnitOfWork) -> UUID:
    """Add a contact; as primary, the previous primary stops being one (same transaction)."""
    tenant = await _locked_tenant(uow, tenant_id)
    require_contact_domain(new.email, list(tenant.domains), "email")
    primary = new.is_primary or await contacts.primary(uow.session, tenant_id) is None
    if primary:
        await contacts.unset_primary(uow.session, tenant_id)
    contact_id = uuid4()
    await contacts.add(
        uow.session,
        tenant_id,
        id=contact_id,
        first_name=new.first_name,
        last_name=new.last_name,
        email=new.email,
        is_primary=primary,
    )
    return contact_id


async def edit_contact(
    tenant_id: UUID, contact_id: UUID, changes: ContactChanges, uow: UnitOfWork
) -> None:
    """Change a contact; making it primary demotes the other one, in the same transaction."""
    tenant = await _locked_tenant(uow, tenant_id)
    contact = await _contact(uow, tenant_id, contact_id)
    if changes.is_primary is False and contact.is_primary:
        raise Conflict(
            "A tenant always has one primary contact: make another contact primary instead."
        )
    promote = changes.is_primary is True and not contact.is_primary
    if changes.email is not None or promote:
        require_contact_domain(changes.email or contact.email, list(tenant.domains), "email")
    values: dict[str, Any] = {
        k: v
        for k, v in (
            ("first_name", changes.first_name),
            ("last_name", changes.last_name),
            ("email", changes.email),
        )
        if v is not None
    }
    if promote:
        await contacts.unset_primary(uow.session, tenant_id)
        values["is_primary"] = True
    if values:
        await contacts.change(uow.session, contact_id, **values)


async def remove_contact(tenant_id: UUID, contact_id: UUID, uow: UnitOfWork) -> None:
    """Delete a contact other than the primary (409: promote another one first)."""
    await _locked_tenant(uow, tenant_id)
    contact = await _contact(uow, tenant_id, contact_id)
    if contact.is_primary:
        raise Conflict("The primary contact cannot be deleted: make another contact primary first.")
    await contacts.remove(uow.session, contact_id)


async def _locked_tenant(uow: UnitOfWork, tenant_id: UUID) -> Row[Any]:
    tenant = await tenants.lock(uow.session, tenant_id)
    if tenant is None:
        raise NotFound("No such tenant.")
    return tenant


async def _contact(uow: UnitOfWork, tenant_id: UUID, contact_id: UUID) -> Row[Any]:
    contact = await contacts.get(uow.session, tenant_id, contact_id)
    if contact is None:
        raise NotFound("No such contact.")
    return contact
