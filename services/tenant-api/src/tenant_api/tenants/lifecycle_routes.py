"""Acting on a tenant: provision (or retry), cancel, suspend, reactivate, offboard (DELETE)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import Field

from service_kit.problems import problem_responses
from shared_schemas.api.base import ApiModel
from tenant_api.auth import AdminCaller, ProvisionCaller
from tenant_api.domain.roles import Role
from tenant_api.domain.status import TenantStatus
from tenant_api.tenants import lifecycle
from tenant_api.web.errors import AUTH, NOT_FOUND
from tenant_api.web.runtime import RuntimeDep

router = APIRouter(prefix="/tenants", tags=["tenant lifecycle"])

Reason = Annotated[str | None, Query(max_length=500, description="Recorded with the event.")]


class ActionAccepted(ApiModel):
    """Accepted: the saga carries the request on; follow it on the pipeline and the timeline."""

    tenant_id: UUID
    status: TenantStatus = Field(description="The tenant's status now.")
    pipeline_id: UUID | None = Field(default=None, description="The pipeline concerned, if any.")


def _responses(conflict: str) -> dict[int | str, dict[str, Any]]:
    return problem_responses(**AUTH, r404=NOT_FOUND, r409=conflict, r422="Invalid id or query")


@router.post(
    "/{tenant_id}/provision",
    status_code=202,
    response_model=ActionAccepted,
    responses=_responses("Not PENDING_PROVISION, PROVISION_FAILED or CANCELLED (e.g. running)"),
)
async def provision(
    tenant_id: UUID, principal: ProvisionCaller, runtime: RuntimeDep
) -> ActionAccepted:
    """Start provisioning, or retry it: a new pipeline (next run); the tenant is PROVISIONING."""
    cmd = lifecycle.Provision(
        tenant_id=tenant_id,
        requested_by=principal.sub,
        lead_id=principal.lead_id if principal.role is Role.LEAD else None,
    )
    async with runtime.uow() as uow:
        pipeline_id = await lifecycle.provision(cmd, uow, datetime.now(UTC))
        await uow.commit()
    return ActionAccepted(
        tenant_id=tenant_id, status=TenantStatus.PROVISIONING, pipeline_id=pipeline_id
    )


@router.post(
    "/{tenant_id}/cancel",
    status_code=202,
    response_model=ActionAccepted,
    responses=_responses("The tenant is not PROVISIONING"),
)
async def cancel(tenant_id: UUID, principal: AdminCaller, runtime: RuntimeDep) -> ActionAccepted:
    """Ask the running pipeline to stop; the tenant becomes CANCELLED once it is undone."""
    async with runtime.uow() as uow:
        pipeline_id = await lifecycle.cancel(tenant_id, uow, datetime.now(UTC))
        await uow.commit()
    return ActionAccepted(
        tenant_id=tenant_id, status=TenantStatus.PROVISIONING, pipeline_id=pipeline_id
    )


@router.post(
    "/{tenant_id}/suspend",
    status_code=202,
    response_model=ActionAccepted,
    responses=_responses("The tenant is not ACTIVE"),
)
async def suspend(
    tenant_id: UUID, principal: AdminCaller, runtime: RuntimeDep, reason: Reason = None
) -> ActionAccepted:
    """Suspend an ACTIVE tenant."""
    async with runtime.uow() as uow:
        await lifecycle.suspend(tenant_id, uow, datetime.now(UTC), reason)
        await uow.commit()
    return ActionAccepted(tenant_id=tenant_id, status=TenantStatus.SUSPENDED)


@router.post(
    "/{tenant_id}/reactivate",
    status_code=202,
    response_model=ActionAccepted,
    responses=_responses("The tenant is not SUSPENDED"),
)
async def reactivate(
    tenant_id: UUID, principal: AdminCaller, runtime: RuntimeDep
) -> ActionAccepted:
    """Make a SUSPENDED tenant ACTIVE again."""
    async with runtime.uow() as uow:
        await lifecycle.reactivate(tenant_id, uow, datetime.now(UTC))
        await uow.commit()
    return ActionAccepted(tenant_id=tenant_id, status=TenantStatus.ACTIVE)


@router.delete(
    "/{tenant_id}",
    status_code=202,
    response_model=ActionAccepted,
    responses=_responses("Provisioning, already offboarding, or offboarded"),
)
async def offboard(
    tenant_id: UUID, principal: AdminCaller, runtime: RuntimeDep, reason: Reason = None
) -> ActionAccepted:
    """Offboard: remove the tenant's resources; the record stays (OFFBOARDED when done)."""
    async with runtime.uow() as uow:
        await lifecycle.offboard(tenant_id, uow, datetime.now(UTC), reason)
        await uow.commit()
    return ActionAccepted(tenant_id=tenant_id, status=TenantStatus.DEPROVISIONING)
