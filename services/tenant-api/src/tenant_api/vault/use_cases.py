"""The credential vault's use cases: store, read (masked or revealed), delete, rewrap.

Every decrypt, store, delete and rewrap leaves a `vault_audit` row, successful or not. When the
vault fails (a key missing or wrong, a ciphertext altered) the handler records the failure and
raises a `VaultError`; the boundary commits the audit row and answers without any plaintext.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

import structlog

from service_kit.db import UnitOfWork
from tenant_api.domain.keyring import MasterKeyring, VaultError, VaultKeyUnavailable, new_data_key
from tenant_api.domain.sealing import open_sealed, seal
from tenant_api.vault import repository as repo
from tenant_api.vault.keys import VaultKeys

log = structlog.get_logger(__name__)


class Action(StrEnum):
    STORE = "store"
    DECRYPT = "decrypt"  # decrypted for internal use, e.g. a masked read
    REVEAL = "reveal"  # plaintext handed to the caller
    DELETE = "delete"
    REWRAP = "rewrap"


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"


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
    uow: UnitOfWork,
    keys: VaultKeys,
    *,
    tenant_id: UUID,
    provider: str,
    values: Mapping[str, str],
    actor: str,
) -> Credential:
    """Seal the values under the tenant's data key (created on first use), insert or replace."""
    async with _audited(uow, tenant_id, provider, Action.STORE, actor):
        data_key = await _data_key(uow, keys, tenant_id, create=True)
        sealed = seal(data_key, values, tenant_id=tenant_id, provider=provider)
    row = await repo.put_credential(uow.session, tenant_id, provider, sealed)
    return Credential(dict(values), row.created_at, row.updated_at, created=bool(row.inserted))


async def read(
    uow: UnitOfWork,
    keys: VaultKeys,
    *,
    tenant_id: UUID,
    provider: str,
    actor: str,
    reveal: bool,
) -> Credential | None:
    """The plaintext values (the caller masks them unless revealing); None if there are none."""
    row = await repo.credential(uow.session, tenant_id, provider)
    if row is None:
        return None
    action = Action.REVEAL if reveal else Action.DECRYPT
    async with _audited(uow, tenant_id, provider, action, actor):
        data_key = await _data_key(uow, keys, tenant_id, create=False)
        values = open_sealed(data_key, row.ciphertext, tenant_id=tenant_id, provider=provider)
    return Credential(values, row.created_at, row.updated_at)


async def deny_reveal(uow: UnitOfWork, *, tenant_id: UUID, provider: str, actor: str) -> None:
    """Someone without the right asked for plaintext: nothing is decrypted, the try is kept."""
    await repo.audit(
        uow.session,
        tenant_id=tenant_id,
        provider=provider,
        action=Action.REVEAL,
        actor=actor,
        outcome=Outcome.DENIED,
    )


async def delete(uow: UnitOfWork, *, tenant_id: UUID, provider: str, actor: str) -> bool:
    if not await repo.delete_credential(uow.session, tenant_id, provider):
        return False
    await repo.audit(
        uow.session,
        tenant_id=tenant_id,
        provider=provider,
        action=Action.DELETE,
        actor=actor,
        outcome=Outcome.SUCCESS,
    )
    return True


async def rewrap(uow: UnitOfWork, keyring: MasterKeyring, *, tenant_id: UUID, actor: str) -> Rewrap:
    """Wrap the tenant's data key under the current master key (row locked until commit)."""
    row = await repo.data_key(uow.session, tenant_id, lock=True)
    if row is None:
        return Rewrap.GONE
    if row.master_key_version == keyring.current_version:
        return Rewrap.CURRENT
    async with _audited(uow, tenant_id, None, Action.REWRAP, actor):
        _, data_key = keyring.unwrap_any(row.wrapped_key, row.master_key_version, tenant_id)
    version, wrapped = keyring.wrap(data_key, tenant_id)
    await repo.rewrap_data_key(uow.session, tenant_id, wrapped, version)
    return Rewrap.REWRAPPED


async def _data_key(uow: UnitOfWork, keys: VaultKeys, tenant_id: UUID, *, create: bool) -> bytes:
    """The tenant's data key, unwrapped with the master key version its row names."""
    row = await repo.data_key(uow.session, tenant_id)
    if row is None and create:
        keyring = keys.keyring()
        data_key = new_data_key()
        version, wrapped = keyring.wrap(data_key, tenant_id)
        if await repo.add_data_key(uow.session, tenant_id, wrapped, version):
            return data_key
        row = await repo.data_key(uow.session, tenant_id)  # a concurrent request's key stands
    if row is None:
        raise VaultKeyUnavailable("the tenant has no data key")
    return keys.keyring().unwrap(row.wrapped_key, row.master_key_version, tenant_id)


@asynccontextmanager
async def _audited(
    uow: UnitOfWork, tenant_id: UUID, provider: str | None, action: Action, actor: str
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
        await repo.audit(
            uow.session,
            tenant_id=tenant_id,
            provider=provider,
            action=action,
            actor=actor,
            outcome=Outcome.FAILURE,
        )
        raise
    await repo.audit(
        uow.session,
        tenant_id=tenant_id,
        provider=provider,
        action=action,
        actor=actor,
        outcome=Outcome.SUCCESS,
    )
