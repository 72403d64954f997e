"""`POST /tenants/{id}/database/rotate-password`: a new password for the tenant's database
login, handed over to the vault by the provisioner."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import structlog
from fastapi import APIRouter

from shared_schemas.api.base import ApiModel
from tenant_api.auth import KeyReader
from tenant_api.database.rotation import request_rotation
from tenant_api.domain.database_login import PROVIDER
from tenant_api.domain.status import TenantStatus
from tenant_api.web.errors import NOT_ACTIVE, tenant_problems
from tenant_api.web.runtime import RuntimeDep

router = APIRouter(prefix="/tenants", tags=["credentials"])
log = structlog.get_logger(__name__)


class RotationAccepted(ApiModel):
    """Accepted: the provisioner sets a new password and the vault receives it; read it at
    `credential` (masked; `?reveal=true` for an admin) and follow it on the timeline
    (`tenant.credential_stored`)."""

    tenant_id: UUID
    status: TenantStatus
    credential: str


@router.post(
    "/{tenant_id}/database/rotate-password",
    status_code=202,
    response_model=RotationAccepted,
    responses=tenant_problems(r409=NOT_ACTIVE),
)
async def rotate_database_password(
    tenant_id: UUID, principal: KeyReader, runtime: RuntimeDep
) -> RotationAccepted:
    """Rotate the tenant's database password (admin, or the tenant itself; ACTIVE only)."""
    principal.ensure_tenant(tenant_id)
    async with runtime.uow() as uow:
        status = await request_rotation(tenant_id, principal.actor, uow, datetime.now(UTC))
        await uow.commit()
    log.info("database password rotation requested", tenant_id=str(tenant_id))
    return RotationAccepted(
        tenant_id=tenant_id,
        status=status,
        credential=f"/tenants/{tenant_id}/credentials/{PROVIDER}",
    )
