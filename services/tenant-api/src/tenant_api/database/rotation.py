"""A request to rotate a tenant's database password: the provisioner does it through its
ledger and hands the new connection over again."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from shared_schemas import Actor
from shared_schemas.events import (
    DatabasePasswordRotationRequested,
    DatabasePasswordRotationRequestedData,
)
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.database_login import ensure_rotatable
from tenant_api.domain.errors import TenantNotFound
from tenant_api.domain.status import TenantStatus
from tenant_api.domain.tenant_events import about_tenant


async def request_rotation(
    tenant_id: UUID, actor: Actor, uow: TenantApiUnitOfWork, now: datetime
) -> TenantStatus:
    """`TenantNotFound`; `PasswordNotRotatable` unless the tenant is ACTIVE."""
    tenant = await uow.tenants.lock(tenant_id)
    if tenant is None:
        raise TenantNotFound(tenant_id)
    ensure_rotatable(tenant.status)
    data = DatabasePasswordRotationRequestedData(tenant_id=tenant_id, requested_by=actor.sub)
    await uow.outbox.add(
        about_tenant(
            DatabasePasswordRotationRequested, data, tenant_id=tenant_id, now=now, actor=actor
        )
    )
    return tenant.status
