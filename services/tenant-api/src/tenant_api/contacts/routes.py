"""`/tenants/{id}/contacts`: a tenant's contacts, exactly one of them primary."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import EmailStr, Field

from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.auth import AdminCaller, TenantReader
from tenant_api.contacts import use_cases as handlers
from tenant_api.domain.contacts import ContactChanges, TenantContact
from tenant_api.tenants.models import ContactIn, ContactOut
from tenant_api.web.errors import tenant_problems
from tenant_api.web.listing import ItemList, read_of_tenant
from tenant_api.web.patch import PatchIn
from tenant_api.web.runtime import RuntimeDep

router = APIRouter(prefix="/tenants", tags=["contacts"])

NO_CONTACT = "No such tenant (or not yours), or no such contact of it"
BAD_EMAIL = "the e-mail's domain is not one of the tenant's domains"


class NewContactIn(ContactIn):
    """A new contact; its e-mail's domain must be one of the tenant's domains."""

    is_primary: bool = Field(default=False, description="The previous primary stops being one.")


class ContactPatchIn(PatchIn):
    """Only the fields sent change; `isPrimary: true` demotes the current primary."""

    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    email: EmailStr | None = None
    is_primary: bool | None = Field(
        default=None, description="Only `true`: a tenant always has exactly one primary contact."
    )


class ContactList(ItemList[ContactOut]):
    pass


@router.get(
    "/{tenant_id}/contacts",
    response_model=ContactList,
    responses=tenant_problems(),
)
async def list_contacts(
    tenant_id: UUID, principal: TenantReader, runtime: RuntimeDep
) -> ContactList:
    """The tenant's contacts, the primary one first."""
    principal.ensure_tenant(tenant_id)
    found = await read_of_tenant(runtime, tenant_id, lambda uow: uow.contacts.list_for(tenant_id))
    return ContactList.of([_out(contact) for contact in found])


@router.post(
    "/{tenant_id}/contacts",
    status_code=201,
    response_model=ContactOut,
    responses=tenant_problems(r422=f"Invalid id or body, or {BAD_EMAIL}"),
)
async def create_contact(
    tenant_id: UUID, body: NewContactIn, principal: AdminCaller, runtime: RuntimeDep
) -> ContactOut:
    """Add a contact to the tenant (admin)."""
    new = handlers.NewContact(
        first_name=body.first_name,
        last_name=body.last_name,
        email=str(body.email),
        actor=principal.actor,
        is_primary=body.is_primary,
    )
    async with runtime.uow() as uow:
        contact_id = await handlers.add_contact(tenant_id, new, uow, datetime.now(UTC))
        await uow.commit()
        return await _read(uow, tenant_id, contact_id)


@router.get(
    "/{tenant_id}/contacts/{contact_id}",
    response_model=ContactOut,
    responses=tenant_problems(r404=NO_CONTACT),
)
async def get_contact(
    tenant_id: UUID, contact_id: UUID, principal: TenantReader, runtime: RuntimeDep
) -> ContactOut:
    """One contact of the tenant."""
    principal.ensure_tenant(tenant_id)
    async with runtime.uow() as uow:
        return await _read(uow, tenant_id, contact_id)


@router.patch(
    "/{tenant_id}/contacts/{contact_id}",
    response_model=ContactOut,
    responses=tenant_problems(
        r404=NO_CONTACT,
        r409="`isPrimary: false` on the primary contact (promote another one instead)",
        r422=f"Invalid id or body, an unknown field, or {BAD_EMAIL}",
    ),
)
async def patch_contact(
    tenant_id: UUID,
    contact_id: UUID,
    body: ContactPatchIn,
    principal: AdminCaller,
    runtime: RuntimeDep,
) -> ContactOut:
    """Change a contact (admin); making it primary demotes the previous primary at once."""
    changes = ContactChanges(
        first_name=body.first_name,
        last_name=body.last_name,
        email=str(body.email) if body.email is not None else None,
        is_primary=body.is_primary,
    )
    cmd = handlers.EditContact(tenant_id, contact_id, changes, principal.actor)
    async with runtime.uow() as uow:
        await handlers.edit_contact(cmd, uow, datetime.now(UTC))
        await uow.commit()
        return await _read(uow, tenant_id, contact_id)


@router.delete(
    "/{tenant_id}/contacts/{contact_id}",
    status_code=204,
    response_class=Response,
    responses=tenant_problems(r404=NO_CONTACT, r409="The primary contact"),
)
async def delete_contact(
    tenant_id: UUID, contact_id: UUID, principal: AdminCaller, runtime: RuntimeDep
) -> Response:
    """Delete a contact (admin); the primary one cannot be deleted (409)."""
    async with runtime.uow() as uow:
        await handlers.remove_contact(
            tenant_id, contact_id, principal.actor, uow, datetime.now(UTC)
        )
        await uow.commit()
    return Response(status_code=204)


async def _read(uow: TenantApiUnitOfWork, tenant_id: UUID, contact_id: UUID) -> ContactOut:
    return _out(await handlers.read_contact(uow, tenant_id, contact_id))


def _out(contact: TenantContact) -> ContactOut:
    return ContactOut.model_validate(asdict(contact))
