"""The initial admin API key: its handover from the provisioner, taken once, its place among the
tenant's keys (so it verifies), and an admin's re-issue."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from service_kit.consumer import Consumer
from service_kit.sealing import Keyring
from shared_schemas import Actor
from shared_schemas.events import (
    ApiKeyIssued,
    ApiKeyReissueRequested,
    ApiKeyReissueRequestedData,
    ApiKeyRevoked,
    api_key_handover_binding,
)
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.api_keys import ApiKey, ensure_issuable
from tenant_api.domain.errors import TenantNotFound
from tenant_api.domain.status import TenantStatus
from tenant_api.domain.tenant_events import about_tenant


def handover_consumer(keys: Keyring) -> Consumer[TenantApiUnitOfWork]:
    """The provisioner's `issued` and everyone's `revoked`, in any order, each any number of
    times: the handover waits (or is dropped), and the key is registered (or revoked)."""

    async def issued(event: ApiKeyIssued, uow: TenantApiUnitOfWork) -> None:
        d = event.data
        # A key no configured key opens could never be handed out: dead-lettered now, with
        # the reason (`sealed_value_unreadable`), rather than a 500 when the tenant asks.
        keys.open(d.key, api_key_handover_binding(d.api_key_id))
        await uow.key_handovers.issued(d, event.occurred_at)
        if d.public_id is not None and d.key_hash is not None:  # not a key of the `cp_` shape
            key = ApiKey.initial(d, at=event.occurred_at, actor=event.actor)
            await uow.api_keys.register(key, d.key_hash)

    async def revoked(event: ApiKeyRevoked, uow: TenantApiUnitOfWork) -> None:
        await uow.key_handovers.revoked(event.data)
        await uow.api_keys.revoked(event.data.tenant_id, event.data.api_key_id, event.occurred_at)

    return Consumer(
        name="api-keys",
        handlers={ApiKeyIssued.TYPE: issued, ApiKeyRevoked.TYPE: revoked},
        shares_transactions=True,
    )


async def take_key(uow: TenantApiUnitOfWork, keys: Keyring, tenant_id: UUID) -> str | None:
    """The plaintext key, its handover deleted in this unit of work; None if none waits.
    `Unsealable` (and the caller rolls back, keeping the row) if no configured key opens it."""
    taken = await uow.key_handovers.take(tenant_id)
    if taken is None:
        return None
    return keys.open(taken.sealed, api_key_handover_binding(taken.api_key_id))


async def request_reissue(
    tenant_id: UUID, actor: Actor, uow: TenantApiUnitOfWork, now: datetime
) -> TenantStatus:
    """Ask the provisioner for a new initial key (it revokes the live one). `TenantNotFound`;
    `KeyNotIssuable` unless the tenant is ACTIVE."""
    status = await uow.key_handovers.lock_tenant_status(tenant_id)
    if status is None:
        raise TenantNotFound(tenant_id)
    ensure_issuable(status)
    data = ApiKeyReissueRequestedData(tenant_id=tenant_id, requested_by=actor.sub)
    await uow.outbox.add(
        about_tenant(ApiKeyReissueRequested, data, tenant_id=tenant_id, now=now, actor=actor)
    )
    return status
