"""`/tenants/{id}/config`: the tenant's config for its apps (context provider), cached.

config/tenant_configs.py explains why a cached answer is never older than a committed change.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter, Response

from service_kit.problems import NotFound
from tenant_api.auth import AdminCaller, TenantReader
from tenant_api.config.feature_flags import set_feature_flags
from tenant_api.config.models import FeatureFlagsIn, TenantConfigOut
from tenant_api.deps import DepsDep
from tenant_api.web.errors import tenant_problems
from tenant_api.web.runtime import RuntimeDep

router = APIRouter(prefix="/tenants", tags=["tenant config"])


@router.get(
    "/{tenant_id}/config",
    response_model=TenantConfigOut,
    responses=tenant_problems(),
)
async def get_config(tenant_id: UUID, principal: TenantReader, deps: DepsDep) -> Response:
    """The tenant's config (admin, operator, that tenant); never older than a committed change."""
    principal.ensure_tenant(tenant_id)
    body = await deps.configs.read(tenant_id)
    if body is None:
        raise NotFound("No such tenant.")
    return Response(body, media_type="application/json")


@router.put(
    "/{tenant_id}/config/feature-flags",
    response_model=TenantConfigOut,
    responses=tenant_problems(r422="Invalid id, flag name or value, or more than 100 flags"),
)
async def put_feature_flags(
    tenant_id: UUID,
    body: FeatureFlagsIn,
    principal: AdminCaller,
    runtime: RuntimeDep,
    deps: DepsDep,
) -> TenantConfigOut:
    """Replace the tenant's feature flags (admin); answers the config that now holds.

    A change is recorded on the tenant's timeline as `tenant.feature_flags_changed`."""
    async with runtime.uow() as uow:
        found = await set_feature_flags(
            tenant_id, body.root, uow, actor=principal.actor, now=datetime.now(UTC)
        )
        if not found:
            raise NotFound("No such tenant.")
        await uow.commit()
        config = await deps.configs.read_in(uow, tenant_id)
    if config is None:
        raise NotFound("No such tenant.")
    return config
