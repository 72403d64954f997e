"""`GET /tenants/{id}/api-key`: the tenant's initial admin API key, handed out exactly once;
`POST /tenants/{id}/api-key/reissue`: an admin has the provisioner revoke it and issue another."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import structlog
from fastapi import APIRouter, Response

from service_kit.problems import NotFound
from shared_schemas.api.base import ApiModel
from tenant_api.api_keys.handover import request_reissue, take_key
from tenant_api.auth import AdminCaller, KeyReader
from tenant_api.domain.status import TenantStatus
from tenant_api.web.errors import NOT_ACTIVE, tenant_problems
from tenant_api.web.runtime import RuntimeDep

router = APIRouter(prefix="/tenants", tags=["credentials"])
log = structlog.get_logger(__name__)


class InitialApiKeyOut(ApiModel):
    """Shown once: store it now; only its hash is kept."""

    tenant_id: UUID
    api_key: str


class ReissueAccepted(ApiModel):
    """Accepted: the old key is revoked and a new one waits at `GET /tenants/{id}/api-key`
    once the provisioner has made it (follow it on the timeline)."""

    tenant_id: UUID
    status: TenantStatus


@router.get(
    "/{tenant_id}/api-key",
    response_model=InitialApiKeyOut,
    responses=tenant_problems(
        r404="No such tenant (or not yours), not ACTIVE, or the key was already taken or has "
        "expired"
    ),
)
async def take_api_key(
    tenant_id: UUID, principal: KeyReader, runtime: RuntimeDep, response: Response
) -> InitialApiKeyOut:
    """The initial admin API key, once, while the tenant is ACTIVE (INITIAL_KEY_TTL after it
    was made at most); then 404."""
    principal.ensure_tenant(tenant_id)
    async with runtime.uow() as uow:
        key = await take_key(uow, runtime.settings.handover_keyring(), tenant_id)
        await uow.commit()
    if key is None:
        raise NotFound("No API key is waiting for this tenant (already taken, or expired).")
    response.headers["Cache-Control"] = "no-store"
    return InitialApiKeyOut(tenant_id=tenant_id, api_key=key)


@router.post(
    "/{tenant_id}/api-key/reissue",
    status_code=202,
    response_model=ReissueAccepted,
    responses=tenant_problems(r409=NOT_ACTIVE),
)
async def reissue_api_key(
    tenant_id: UUID, principal: AdminCaller, runtime: RuntimeDep
) -> ReissueAccepted:
    """Revoke the tenant's initial admin API key and issue a new one, fetched once as before."""
    async with runtime.uow() as uow:
        status = await request_reissue(tenant_id, principal.actor, uow, datetime.now(UTC))
        await uow.commit()
    log.info("initial API key re-issue requested", tenant_id=str(tenant_id))
    return ReissueAccepted(tenant_id=tenant_id, status=status)
