"""The end of offboarding: `tenant.deprovisioned` → OFFBOARDED, and `tenant.offboarded`."""

from __future__ import annotations

import structlog

from service_kit.db import UnitOfWork
from shared_schemas.events import TenantDeprovisioned, TenantOffboarded, TenantOffboardedData
from tenant_api import PRODUCER
from tenant_api.domain.status import TenantStatus, transition
from tenant_api.tenants import repository as tenants

log = structlog.get_logger(__name__)


async def finish_offboarding(event: TenantDeprovisioned, uow: UnitOfWork) -> None:
    """DEPROVISIONING → OFFBOARDED; the record stays, its resources are gone."""
    tenant = await tenants.lock(uow.session, event.data.tenant_id)
    if tenant is None or tenant.status != TenantStatus.DEPROVISIONING:
        log.info("tenant.deprovisioned for a tenant not being offboarded; ignored")
        return
    status = transition(TenantStatus(tenant.status), TenantStatus.OFFBOARDED)
    await tenants.set_status(uow.session, tenant.id, status)
    data = TenantOffboardedData(
        tenant_id=tenant.id,
        key=tenant.key,
        contact=await tenants.primary_contact(uow.session, tenant.id),
    )
    await uow.outbox.add(
        TenantOffboarded.build(
            data, producer=PRODUCER, correlation_id=event.correlation_id, causation=event
        )
    )
