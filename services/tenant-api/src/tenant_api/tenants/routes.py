"""`/tenants`: direct onboarding by admins, listing, reading and editing tenants."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from service_kit.problems import Unprocessable, problem_responses
from shared_schemas.api.counts import CountOut
from shared_schemas.api.instants import Instant
from shared_schemas.events import Address, Contact, Tier
from tenant_api.auth import AdminCaller, StaffCaller, TenantReader
from tenant_api.domain.errors import TenantNotFound
from tenant_api.domain.onboarding import check_contact_domain
from tenant_api.domain.status import TenantStatus
from tenant_api.domain.tenant import PostalAddress
from tenant_api.tenants import onboarding
from tenant_api.tenants.edits import EditTenant, edit_tenant
from tenant_api.tenants.list_queries import TenantFilter
from tenant_api.tenants.models import TenantIn, TenantOut, TenantPage, TenantPatchIn, tenant_out
from tenant_api.tenants.repository import commit_new_tenant
from tenant_api.web import cursors
from tenant_api.web.errors import AUTH, tenant_problems
from tenant_api.web.runtime import RuntimeDep

router = APIRouter(prefix="/tenants", tags=["tenants"])


@router.post(
    "",
    status_code=201,
    response_model=TenantOut,
    responses=problem_responses(**AUTH, r409="Key taken", r422="Invalid body or unknown plan"),
)
async def create_tenant(
    body: TenantIn,
    principal: AdminCaller,
    runtime: RuntimeDep,
) -> TenantOut:
    """Onboard a tenant directly (admin)."""
    check_contact_domain(str(body.contact.email), body.domains, field="domains")
    cmd = onboarding.Onboard(
        key=body.key,
        name=body.name,
        tier=body.tier,
        plan_id=body.plan_id,
        domains=body.domains,
        contact=Contact.model_validate(body.contact.model_dump()),
        address=Address.model_validate(body.address.model_dump()) if body.address else None,
        actor=principal.actor,
    )
    async with runtime.uow() as uow:
        tenant_id = await onboarding.onboard(cmd, uow, datetime.now(UTC))
        await commit_new_tenant(uow)
        view = await uow.tenants.get(tenant_id)
    assert view is not None, "just committed"
    return tenant_out(view)


async def _tenant_filter(
    status: Annotated[TenantStatus | None, Query()] = None,
    tier: Annotated[Tier | None, Query()] = None,
    key_prefix: Annotated[str | None, Query(alias="keyPrefix", pattern=r"^[a-z0-9]{1,20}$")] = None,
    created_from: Annotated[
        Instant | None, Query(alias="createdFrom", description="Inclusive.")
    ] = None,
    created_to: Annotated[
        Instant | None, Query(alias="createdTo", description="Exclusive.")
    ] = None,
) -> TenantFilter:
    """The filters of `GET /tenants`, which `GET /tenants/count` takes too."""
    if created_from and created_to and created_from > created_to:
        msg = "createdFrom is after createdTo"
        raise Unprocessable(
            msg, errors=[{"loc": ["query", "createdFrom"], "msg": msg, "type": "invalid_range"}]
        )
    return TenantFilter(status, tier, key_prefix, created_from, created_to)


Filtered = Annotated[TenantFilter, Depends(_tenant_filter)]


@router.get(
    "",
    response_model=TenantPage,
    responses=problem_responses(
        **AUTH, r422="Invalid filter, limit or cursor (`after`), or createdFrom after createdTo"
    ),
)
async def list_tenants(
    principal: StaffCaller,
    runtime: RuntimeDep,
    where: Filtered,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    after: cursors.After = None,
) -> TenantPage:
    """List tenants newest first, filtered, in cursor pages (admin, operator; never a tenant)."""
    position = cursors.position(after)
    async with runtime.uow() as uow:
        views = await uow.tenants.list_page(where, before=position, limit=limit + 1)
    return TenantPage.of([tenant_out(v) for v in views], limit, lambda t: (t.created_at, t.id))


@router.get(
    "/count",
    response_model=CountOut,
    responses=problem_responses(**AUTH, r422="Invalid filter, or createdFrom after createdTo"),
)
async def count_tenants(principal: StaffCaller, runtime: RuntimeDep, where: Filtered) -> CountOut:
    """How many tenants `GET /tenants` lists with the same filters, every page (admin, operator;
    never a tenant, which cannot list them either)."""
    async with runtime.uow() as uow:
        return CountOut(count=await uow.tenants.count(where))


@router.get(
    "/{tenant_id}",
    response_model=TenantOut,
    responses=tenant_problems(),
)
async def get_tenant(
    tenant_id: UUID,
    principal: TenantReader,
    runtime: RuntimeDep,
) -> TenantOut:
    """One tenant with its contacts and address (a tenant token sees only its own)."""
    principal.ensure_tenant(tenant_id)
    async with runtime.uow() as uow:
        view = await uow.tenants.get(tenant_id)
    if view is None:
        raise TenantNotFound(tenant_id)
    return tenant_out(view)


@router.patch(
    "/{tenant_id}",
    response_model=TenantOut,
    responses=tenant_problems(
        r422="Invalid id or body, an unknown (or read-only) field, or domains that leave out "
        "the primary contact's"
    ),
)
async def patch_tenant(
    tenant_id: UUID, body: TenantPatchIn, principal: AdminCaller, runtime: RuntimeDep
) -> TenantOut:
    """Change a tenant's name, domains or address (admin); status is never writable here.

    A change is recorded on the tenant's timeline as `tenant.updated`, with each changed field
    before and after; a request that changes nothing records nothing."""
    given = body.model_fields_set
    cmd = EditTenant(
        tenant_id=tenant_id,
        actor=principal.actor,
        name=body.name,
        domains=body.domains,
        address=PostalAddress(**body.address.model_dump()) if body.address else None,
        address_given="address" in given,
    )
    async with runtime.uow() as uow:
        await edit_tenant(cmd, uow, datetime.now(UTC))
        await uow.commit()
        view = await uow.tenants.get(tenant_id)
    assert view is not None, "tenants are never deleted"
    return tenant_out(view)
