"""The credential vault's use cases: store, read (masked or revealed), delete, rewrap.

Every decrypt, store, delete and rewrap leaves a `vault_audit` row, successful or not. When the
vault fails (a key missing or wrong, a ciphertext altered) the handler records the failure and
raises a `VaultError`; the boundary commits the audit row and answers without any plaintext.
A store, a reveal (or its refusal) and a delete also go on the tenant's timeline as events
naming the provider and the caller, never a value.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

import structlog

from shared_schemas import Actor, Envelope
from shared_schemas.events import (
    CredentialRef,
    TenantCredentialDeleted,
    TenantCredentialRevealed,
    TenantCredentialRevealedData,
    TenantCredentialStored,
    TenantCredentialStoredData,
)
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.keyring import MasterKeyring, VaultError, VaultKeyUnavailable, new_data_key
from tenant_api.domain.sealing import open_sealed, seal
from tenant_api.domain.tenant_events import about_tenant
from tenant_api.domain.vault import Action, Outcome
from tenant_api.vault.keys import VaultKeys

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Credential:
    values: dict[str, str]
    created_at: datetime
    updated_at: datetime
    created: bool = False


class Rewrap(StrEnum):
    REWRAPPED = "rewrapped"
    CURRENT = "current"  # already under the current master key (a concurrent run, or new)
    GONE = "gone"  # the tenant was deleted meanwhile


async def store(
    uow: TenantApiUnitOfWork,
    keys: VaultKeys,
    *,
    tenant_id: UUID,
    provider: str,
    values: Mapping[str, str],
    actor: Actor,
) -> Credential:
    """Seal the values under the tenant's data key (created on first use), insert or replace."""
    stored = await store_if_newer(
        uow, keys, tenant_id=tenant_id, provider=provider, values=values, actor=actor
    )
    assert stored is not None, "a store without `issued_at` always writes"
    return stored


async def store_if_newer(
    uow: TenantApiUnitOfWork,
    keys: VaultKeys,
    *,
    tenant_id: UUID,
    provider: str,
    values: Mapping[str, str],
    actor: Actor,
    issued_at: datetime | None = None,
) -> Credential | None:
    """As `store`; with `issued_at`, None (nothing written or told) when the stored credential
    was issued at or after it."""
    if issued_at is not None:
        known = await uow.vault.issued_at(tenant_id, provider)
        if known is not None and known >= issued_at:
            return None  # stale: nothing is sealed, stored or audited
    async with _audited(uow, tenant_id, provider, Action.STORE, actor.sub):
        data_key = await _data_key(uow, keys, tenant_id, create=True)
        sealed = seal(data_key, values, tenant_id=tenant_id, provider=provider)
    stored = await uow.vault.put_credential(tenant_id, provider, sealed, issued_at=issued_at)
    if stored is None:
        return None
    data = TenantCredentialStoredData(
        tenant_id=tenant_id, provider=provider, created=stored.inserted
    )
    await _tell(uow, TenantCredentialStored, data, actor)
    return Credential(dict(values), stored.created_at, stored.updated_at, created=stored.inserted)


async def read(
    uow: TenantApiUnitOfWork,
    keys: VaultKeys,
    *,
    tenant_id: UUID,
    provider: str,
    actor: Actor,
    reveal: bool,
) -> Credential | None:
    """The plaintext values (the caller masks them unless revealing); None if there are none."""
    found = await uow.vault.credential(tenant_id, provider)
    if found is None:
        return None
    action = Action.REVEAL if reveal else Action.DECRYPT
    async with _audited(uow, tenant_id, provider, action, actor.sub):
        data_key = await _data_key(uow, keys, tenant_id, create=False)
        values = open_sealed(data_key, found.ciphertext, tenant_id=tenant_id, provider=provider)
    if reveal:
        await _revealed(uow, tenant_id, provider, actor, allowed=True)
    return Credential(values, found.created_at, found.updated_at)


async def deny_reveal(
    uow: TenantApiUnitOfWork, *, tenant_id: UUID, provider: str, actor: Actor
) -> None:
    """Someone without the right asked for plaintext: nothing is decrypted, the try is kept."""
    await uow.vault.audit(tenant_id, provider, Action.REVEAL, actor.sub, Outcome.DENIED)
    await _revealed(uow, tenant_id, provider, actor, allowed=False)


async def delete(uow: TenantApiUnitOfWork, *, tenant_id: UUID, provider: str, actor: Actor) -> bool:
    if not await uow.vault.delete_credential(tenant_id, provider):
        return False
    await uow.vault.audit(tenant_id, provider, Action.DELETE, actor.sub, Outcome.SUCCESS)
    await _tell(
        uow, TenantCredentialDeleted, CredentialRef(tenant_id=tenant_id, provider=provider), actor
    )
    return True


async def rewrap(
    uow: TenantApiUnitOfWork, keyring: MasterKeyring, *, tenant_id: UUID, actor: str
) -> Rewrap:
    """Wrap the tenant's data key under the current master key (row locked until commit)."""
    stored = await uow.vault.data_key(tenant_id, lock=True)
    if stored is None:
        return Rewrap.GONE
    if stored.master_key_version == keyring.current_version:
        return Rewrap.CURRENT
    async with _audited(uow, tenant_id, None, Action.REWRAP, actor):
        _, data_key = keyring.unwrap_any(stored.wrapped_key, stored.master_key_version, tenant_id)
    version, wrapped = keyring.wrap(data_key, tenant_id)
    await uow.vault.rewrap_data_key(tenant_id, wrapped, version)
    return Rewrap.REWRAPPED


async def _data_key(
    uow: TenantApiUnitOfWork, keys: VaultKeys, tenant_id: UUID, *, create: bool
) -> bytes:
    """The tenant's data key, unwrapped with the master key version its row names."""
    stored = await uow.vault.data_key(tenant_id)
    if stored is None and create:
        keyring = keys.keyring()
        data_key = new_data_key()
        version, wrapped = keyring.wrap(data_key, tenant_id)
        if await uow.vault.add_data_key(tenant_id, wrapped, version):
            return data_key
        stored = await uow.vault.data_key(tenant_id)  # a concurrent request's key stands
    if stored is None:
        raise VaultKeyUnavailable("the tenant has no data key")
    return keys.keyring().unwrap(stored.wrapped_key, stored.master_key_version, tenant_id)


async def _revealed(
    uow: TenantApiUnitOfWork, tenant_id: UUID, provider: str, actor: Actor, *, allowed: bool
) -> None:
    data = TenantCredentialRevealedData(tenant_id=tenant_id, provider=provider, allowed=allowed)
    await _tell(uow, TenantCredentialRevealed, data, actor)


async def _tell(
    uow: TenantApiUnitOfWork, event: type[Envelope], data: CredentialRef, actor: Actor
) -> None:
    """Put the vault's event on the tenant's timeline, in the transaction of what it says."""
    await uow.outbox.add(about_tenant(event, data, tenant_id=data.tenant_id, now=None, actor=actor))


@asynccontextmanager
async def _audited(
    uow: TenantApiUnitOfWork, tenant_id: UUID, provider: str | None, action: Action, actor: str
) -> AsyncIterator[None]:
    """Audit the block's outcome; a failure is recorded before the `VaultError` goes on."""
    try:
        yield
    except VaultError as exc:
        log.warning(
            "vault operation failed",
            tenant_id=str(tenant_id),
            provider=provider,
            action=action.value,
            reason=str(exc),
        )
        await uow.vault.audit(tenant_id, provider, action, actor, Outcome.FAILURE)
        raise
    await uow.vault.audit(tenant_id, provider, action, actor, Outcome.SUCCESS)
