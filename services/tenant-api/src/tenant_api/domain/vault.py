"""What the credential vault keeps, as its use cases see it: wrapped data keys, sealed
credentials, and the audit's actions and outcomes. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from tenant_api.domain.roles import Role


@dataclass(frozen=True)
class WrappedDataKey:
    """A tenant's data key as stored: wrapped by the master key of `master_key_version`."""

    tenant_id: UUID
    wrapped_key: bytes
    master_key_version: int


@dataclass(frozen=True)
class SealedCredential:
    ciphertext: bytes
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StoredCredential:
    """A credential just written: `inserted` when it is the provider's first."""

    created_at: datetime
    updated_at: datetime
    inserted: bool


@dataclass(frozen=True)
class ProviderEntry:
    """A provider the tenant has a credential for, with its times; never its values."""

    provider: str
    created_at: datetime
    updated_at: datetime


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


def may_reveal(role: Role, provider: str, tenant_revealable: frozenset[str]) -> bool:
    """An admin may reveal any credential; a tenant only those handed to it to be used (its
    database login, by default); nobody else any. Every reveal, and every refusal, is audited."""
    return role is Role.ADMIN or (role is Role.TENANT and provider in tenant_revealable)
