"""Acting on a tenant: provision (or retry), cancel, suspend, reactivate, offboard (DELETE),
restore."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import Field

from service_kit.problems import problem_responses
from shared_schemas.api.base import ApiModel
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.auth import AdminCaller, ProvisionCaller
from tenant_api.deps import DepsDep
from tenant_api.domain.roles import Role
from tenant_api.domain.status import TenantStatus
from tenant_api.runtime import Runtime
from tenant_api.tenants import lifecycle
from tenant_api.web.errors import AUTH, NOT_FOUND
from tenant_api.web.runtime import RuntimeDep

router = APIRouter(prefix="/tenants", tags=["tenant lifecycle"])

RouteT = TypeVar("RouteT", bound=Callable[..., Any])
T = TypeVar("T")

Reason = Annotated[str | None, Query(max_length=500, description="Recorded with the event.")]


class ActionAccepted(ApiModel):
    """Accepted: the saga carries the request on; follow it on the pipeline and the timeline."""

    tenant_id: UUID
    status: TenantStatus = Field(description="The tenant's status now.")
    pipeline_id: UUID | None = Field(default=None, description="The pipeline concerned, if any.")


def _accepted(method: str, path: str, conflict: str) -> Callable[[RouteT], RouteT]:
    """The route decorator every action shares: 202 with `ActionAccepted`, 409 on `conflict`."""
    return router.api_route(
        path,
        methods=[method],
        status_code=202,
        response_model=ActionAccepted,
        responses=problem_responses(
            **AUTH, r404=NOT_FOUND, r409=conflict, r422="Invalid id or query"
        ),
    )


async def _committed(
    runtime: Runtime, act: Callable[[TenantApiUnitOfWork, datetime], Awaitable[T]]
) -> T:
    """Run one lifecycle command at the current instant, in one committed transaction."""
    async with runtime.uow() as uow:
        done = await act(uow, datetime.now(UTC))
        await uow.commit()
    return done


@_accepted(
    "POST",
    "/{tenant_id}/provision",
    "Not PENDING_PROVISION, PROVISION_FAILED or CANCELLED (e.g. running)",
)
async def provision(
    tenant_id: UUID, principal: ProvisionCaller, runtime: RuntimeDep
) -> ActionAccepted:
    """Start provisioning, or retry it: a new pipeline (next run); the tenant is PROVISIONING."""
    cmd = lifecycle.Provision(
        tenant_id=tenant_id,
        actor=principal.actor,
        lead_id=principal.lead_id if principal.role is Role.LEAD else None,
    )
    pipeline_id = await _committed(runtime, partial(lifecycle.provision, cmd))
    return ActionAccepted(
        tenant_id=tenant_id, status=TenantStatus.PROVISIONING, pipeline_id=pipeline_id
    )


@_accepted("POST", "/{tenant_id}/cancel", "The tenant is not PROVISIONING")
async def cancel(tenant_id: UUID, principal: AdminCaller, runtime: RuntimeDep) -> ActionAccepted:
    """Ask the running pipeline to stop; the tenant becomes CANCELLED once it is undone."""
    pipeline_id = await _committed(runtime, partial(lifecycle.cancel, tenant_id, principal.actor))
    return ActionAccepted(
        tenant_id=tenant_id, status=TenantStatus.PROVISIONING, pipeline_id=pipeline_id
    )


@_accepted("POST", "/{tenant_id}/suspend", "The tenant is not ACTIVE")
async def suspend(
    tenant_id: UUID, principal: AdminCaller, runtime: RuntimeDep, reason: Reason = None
) -> ActionAccepted:
    """Suspend an ACTIVE tenant."""
    await _committed(
        runtime, lambda uow, now: lifecycle.suspend(tenant_id, principal.actor, uow, now, reason)
    )
    return ActionAccepted(tenant_id=tenant_id, status=TenantStatus.SUSPENDED)


@_accepted("POST", "/{tenant_id}/reactivate", "The tenant is not SUSPENDED")
async def reactivate(
    tenant_id: UUID, principal: AdminCaller, runtime: RuntimeDep
) -> ActionAccepted:
    """Make a SUSPENDED tenant ACTIVE again."""
    await _committed(runtime, partial(lifecycle.reactivate, tenant_id, principal.actor))
    return ActionAccepted(tenant_id=tenant_id, status=TenantStatus.ACTIVE)


AtOnce = Annotated[
    bool, Query(description="Skip the grace: export the tenant's data and remove it at once.")
]


@_accepted(
    "DELETE",
    "/{tenant_id}",
    "Provisioning, offboarding already scheduled (without `now`), deprovisioning or offboarded",
)
async def offboard(
    tenant_id: UUID,
    principal: AdminCaller,
    runtime: RuntimeDep,
    deps: DepsDep,
    reason: Reason = None,
    now: AtOnce = False,
) -> ActionAccepted:
    """Offboard. An ACTIVE or SUSPENDED tenant is OFFBOARDING_SCHEDULED for
    OFFBOARDING_GRACE_DAYS (read-only; `POST /restore` undoes it), then exported and removed;
    with `now=true`, or with nothing provisioned, that starts at once (DEPROVISIONING)."""
    cmd = lifecycle.Offboard(
        tenant_id=tenant_id,
        actor=principal.actor,
        reason=reason,
        grace=runtime.settings.offboarding_grace,
        at_once=now,
    )
    status = await _committed(
        runtime, lambda uow, at: lifecycle.offboard(cmd, uow, at, deps.exports)
    )
    return ActionAccepted(tenant_id=tenant_id, status=status)


@_accepted("POST", "/{tenant_id}/restore", "No offboarding is scheduled (outside the grace)")
async def restore(tenant_id: UUID, principal: AdminCaller, runtime: RuntimeDep) -> ActionAccepted:
    """Call off a scheduled offboarding: back to the status the tenant had (ACTIVE or SUSPENDED)."""
    status = await _committed(runtime, partial(lifecycle.restore, tenant_id, principal.actor))
    return ActionAccepted(tenant_id=tenant_id, status=status)
