"""`/tenants`: direct onboarding by admins, and reading tenants."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from service_kit.app import RuntimeDep
from service_kit.problems import NotFound, Unprocessable, problem_responses
from shared_schemas.events import Address, Contact
from tenant_api import handlers
from tenant_api.adapters import tenant_repository as repo
from tenant_api.api.errors import AUTH, NOT_FOUND
from tenant_api.api.leads import commit_or_conflict
from tenant_api.api.schemas import TenantIn, TenantOut, TenantPage
from tenant_api.auth import AdminCaller, StaffCaller, TenantReader
from tenant_api.domain.onboarding import DomainMismatch, check_contact_domain
from tenant_api.domain.status import TenantStatus

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
    try:
        check_contact_domain(str(body.contact.email), body.domains)
    except DomainMismatch as exc:
        raise Unprocessable(
            str(exc),
            errors=[{"loc": ["body", "domains"], "msg": str(exc), "type": "domain_mismatch"}],
        ) from exc
    cmd = handlers.Onboard(
        key=body.key,
        name=body.name,
        tier=body.tier,
        plan_id=body.plan_id,
        domains=body.domains,
        contact=Contact.model_validate(body.contact.model_dump()),
        address=Address.model_validate(body.address.model_dump()) if body.address else None,
    )
    async with runtime.uow() as uow:
        tenant_id = await handlers.onboard(cmd, uow, datetime.now(UTC))
        await commit_or_conflict(uow)
        view = await repo.get(uow.session, tenant_id)
    return TenantOut.model_validate(view)


@router.get(
    "",
    response_model=TenantPage,
    responses=problem_responses(**AUTH, r422="Invalid query"),
)
async def list_tenants(
    principal: StaffCaller,
    runtime: RuntimeDep,
    status: Annotated[TenantStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> TenantPage:
    """List tenants, newest first."""
    async with runtime.uow() as uow:
        views = await repo.list_page(uow.session, status=status, limit=limit)
    items = [TenantOut.model_validate(v) for v in views]
    return TenantPage(items=items, count=len(items))


@router.get(
    "/{tenant_id}",
    response_model=TenantOut,
    responses=problem_responses(**AUTH, r404=NOT_FOUND, r422="Invalid id"),
)
async def get_tenant(
    tenant_id: UUID,
    principal: TenantReader,
    runtime: RuntimeDep,
) -> TenantOut:
    """One tenant with its contacts and address (a tenant token sees only its own)."""
    principal.ensure_tenant(tenant_id)
    async with runtime.uow() as uow:
        view = await repo.get(uow.session, tenant_id)
    if view is None:
        raise NotFound("No such tenant.")
    return TenantOut.model_validate(view)
