"""The end of offboarding: `tenant.deprovisioned` → OFFBOARDED, and `tenant.offboarded`."""

from __future__ import annotations

import structlog

from shared_schemas.events import TenantDeprovisioned
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork

log = structlog.get_logger(__name__)


async def finish_offboarding(event: TenantDeprovisioned, uow: TenantApiUnitOfWork) -> None:
    """DEPROVISIONING → OFFBOARDED; the record stays, its resources are gone."""
    tenant = await uow.tenants.lock(event.data.tenant_id)
    if tenant is None or not tenant.deprovisioning:
        log.info("tenant.deprovisioned for a tenant not being offboarded; ignored")
        return
    contact = await uow.tenants.primary_contact(tenant.id)
    offboarded, offboarded_event = tenant.finish_offboarding(contact, event)
    await uow.tenants.set_status(tenant.id, offboarded.status)
    await uow.outbox.add(offboarded_event)
