"""The initial admin API key: its handover from the provisioner, and an admin's re-issue."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from service_kit.consumer import Consumer
from service_kit.db import UnitOfWork
from service_kit.problems import NotFound
from service_kit.sealing import Keyring
from shared_schemas.events import (
    ApiKeyIssued,
    ApiKeyReissueRequested,
    ApiKeyReissueRequestedData,
    ApiKeyRevoked,
    api_key_handover_binding,
)
from tenant_api import PRODUCER
from tenant_api.api_keys import repository as key_handovers
from tenant_api.domain.status import TenantStatus
from tenant_api.tenants import repository as tenants
from tenant_api.uow import TenantApiUnitOfWork


class KeyNotReissuable(Exception):
    """Only an ACTIVE tenant's key is re-issued (the gateway answers 409)."""


def handover_consumer(keys: Keyring) -> Consumer[TenantApiUnitOfWork]:
    async def issued(event: ApiKeyIssued, uow: UnitOfWork) -> None:
        d = event.data
        # A key no configured key opens could never be handed out: dead-lettered now, with
        # the reason (`sealed_value_unreadable`), rather than a 500 when the tenant asks.
        keys.open(d.key, api_key_handover_binding(d.api_key_id))
        await key_handovers.issued(uow.session, d, event.occurred_at)

    async def revoked(event: ApiKeyRevoked, uow: UnitOfWork) -> None:
        await key_handovers.revoked(uow.session, event.data)

    return Consumer(
        name="api-keys",
        handlers={ApiKeyIssued.TYPE: issued, ApiKeyRevoked.TYPE: revoked},
        shares_transactions=True,
    )


async def request_reissue(
    tenant_id: UUID, requested_by: str, uow: UnitOfWork, now: datetime
) -> TenantStatus:
    """Ask the provisioner for a new initial key (it revokes the live one)."""
    tenant = await tenants.lock(uow.session, tenant_id)
    if tenant is None:
        raise NotFound("No such tenant.")
    status = TenantStatus(tenant.status)
    if status is not TenantStatus.ACTIVE:
        raise KeyNotReissuable(
            f"The tenant is {status.value}; only an ACTIVE tenant's key is re-issued."
        )
    await uow.outbox.add(
        ApiKeyReissueRequested.build(
            ApiKeyReissueRequestedData(tenant_id=tenant_id, requested_by=requested_by[:200]),
            producer=PRODUCER,
            correlation_id=tenant_id,
            tenant_id=tenant_id,
            occurred_at=now,
        )
    )
    return status
