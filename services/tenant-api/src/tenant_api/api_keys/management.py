"""Managing a tenant's API keys: list, create, rotate, revoke. Each change writes its event
(`tenant.api_key_created`, `_rotated`, `_revoked`) with the caller's actor in the same
transaction; a new key's plaintext leaves only in the answer to its creator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from service_kit import api_keys as key_text
from shared_schemas import Actor
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.api_keys import ApiKey, ApiKeyNotFound, NewKey, ensure_issuable
from tenant_api.domain.errors import TenantNotFound


@dataclass(frozen=True)
class KeySpec:
    name: str
    scopes: list[str] | None
    expires_in: timedelta | None


@dataclass(frozen=True)
class Revealed:
    """A key just made, and its plaintext, shown this once."""

    key: ApiKey
    plaintext: str


async def list_keys(tenant_id: UUID, uow: TenantApiUnitOfWork) -> list[ApiKey]:
    """The tenant's keys, newest first."""
    await uow.tenants.ensure_exists(tenant_id)
    return await uow.api_keys.list_for(tenant_id)


async def create_key(
    tenant_id: UUID, spec: KeySpec, actor: Actor, uow: TenantApiUnitOfWork, now: datetime
) -> Revealed:
    """A new key for an ACTIVE tenant (`KeyNotIssuable` otherwise)."""
    await _lock_issuing_tenant(uow, tenant_id)
    minted = key_text.mint()
    key, event = ApiKey.create(
        NewKey(uuid4(), minted.public_id),
        tenant_id=tenant_id,
        name=spec.name,
        scopes=spec.scopes,
        expires_in=spec.expires_in,
        actor=actor,
        now=now,
    )
    await uow.api_keys.add(key, minted.digest)
    await uow.outbox.add(event)
    return Revealed(key, minted.plaintext)


async def rotate_key(
    tenant_id: UUID,
    key_id: UUID,
    overlap: timedelta,
    actor: Actor,
    uow: TenantApiUnitOfWork,
    now: datetime,
) -> Revealed:
    """A successor for a usable key of an ACTIVE tenant; the old key expires after `overlap`
    (or sooner, if it was to expire sooner)."""
    await _lock_issuing_tenant(uow, tenant_id)
    key = await _locked_key(uow, tenant_id, key_id)
    minted = key_text.mint()
    old, new, event = key.rotate(
        NewKey(uuid4(), minted.public_id), overlap=overlap, actor=actor, now=now
    )
    await uow.api_keys.save(old)
    await uow.api_keys.add(new, minted.digest)
    await uow.outbox.add(event)
    return Revealed(new, minted.plaintext)


async def revoke_key(
    tenant_id: UUID, key_id: UUID, actor: Actor, uow: TenantApiUnitOfWork, now: datetime
) -> None:
    """Revoked at once, whatever the tenant's status; a key already revoked stays as it was."""
    await uow.tenants.ensure_exists(tenant_id)
    decided = (await _locked_key(uow, tenant_id, key_id)).revoke(actor=actor, now=now)
    if decided is not None:
        revoked, event = decided
        await uow.api_keys.save(revoked)
        await uow.outbox.add(event)


async def _lock_issuing_tenant(uow: TenantApiUnitOfWork, tenant_id: UUID) -> None:
    """Serialised with the tenant's own commands: no key is made for a tenant being suspended."""
    tenant = await uow.tenants.lock(tenant_id)
    if tenant is None:
        raise TenantNotFound(tenant_id)
    ensure_issuable(tenant.status)


async def _locked_key(uow: TenantApiUnitOfWork, tenant_id: UUID, key_id: UUID) -> ApiKey:
    # Locked: of two concurrent revocations (or rotations), the second sees the first's result.
    key = await uow.api_keys.get(tenant_id, key_id, lock=True)
    if key is None:
        raise ApiKeyNotFound()
    return key
