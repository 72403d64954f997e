"""A tenant's API keys: what each one is, whether it works at a given moment, and the decisions
that change one (create, rotate, revoke), each returning the new state and its event. No I/O.

A key is `cpk_<publicId>_<secret>` (`service_kit.api_keys`); only its digest is stored, never
here. Keys are made and rotated only for an ACTIVE tenant; revoking is always allowed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar
from uuid import UUID

from shared_schemas import Actor
from shared_schemas.events import (
    ApiKeyCreated,
    ApiKeyFacts,
    ApiKeyIssuedData,
    ApiKeyRevoked,
    ApiKeyRevokedData,
    ApiKeyRotated,
    ApiKeyRotatedData,
)
from tenant_api.domain.errors import DomainError
from tenant_api.domain.status import TenantStatus
from tenant_api.domain.tenant_events import about_tenant

SCOPE = re.compile(r"[a-z][a-z0-9:._-]{0,63}")
MAX_SCOPES = 20
DEFAULT_SCOPES = ("admin",)
INITIAL_NAME = "initial"
DEFAULT_OVERLAP = timedelta(days=1)
MAX_OVERLAP = timedelta(days=7)
_E = TypeVar("_E", ApiKeyCreated, ApiKeyRotated, ApiKeyRevoked)


class KeyOrigin(StrEnum):
    INITIAL = "initial"  # made by the provisioner's credentials step (or a re-issue)
    API = "api"  # made through `POST /tenants/{id}/api-keys` or a rotation


class KeyStatus(StrEnum):
    ACTIVE = "active"
    ROTATING = "rotating"  # replaced by a newer key, still usable until it expires
    EXPIRED = "expired"
    REVOKED = "revoked"


class Refusal(StrEnum):
    """Why a presented key is not accepted, in the order they are checked."""

    UNKNOWN = "unknown"  # no such key, or the wrong secret: one answer for both
    REVOKED = "revoked"
    EXPIRED = "expired"
    TENANT_SUSPENDED = "tenant_suspended"
    TENANT_OFFBOARDING = "tenant_offboarding"
    TENANT_OFFBOARDED = "tenant_offboarded"
    TENANT_NOT_ACTIVE = "tenant_not_active"


_TENANT_REFUSALS = {
    TenantStatus.SUSPENDED: Refusal.TENANT_SUSPENDED,
    TenantStatus.OFFBOARDING_SCHEDULED: Refusal.TENANT_OFFBOARDING,  # read-only in its grace
    TenantStatus.DEPROVISIONING: Refusal.TENANT_OFFBOARDING,
    TenantStatus.OFFBOARDED: Refusal.TENANT_OFFBOARDED,
}


class KeyNotIssuable(DomainError):
    """The tenant is not ACTIVE: no key is made, rotated or re-issued (409)."""

    def __init__(self, status: TenantStatus) -> None:
        super().__init__(f"The tenant is {status.value}; keys are issued only to an ACTIVE tenant.")
        self.status = status


class ApiKeyNotFound(DomainError):
    """No such key of this tenant (404)."""


class KeyNotRotatable(DomainError):
    """A revoked or expired key has nothing left to hand over (409)."""

    def __init__(self, status: KeyStatus) -> None:
        super().__init__(f"The key is {status.value}; only a usable key is rotated.")
        self.status = status


class InvalidScopes(DomainError):
    """422, blaming `scopes`."""


def ensure_issuable(status: TenantStatus) -> None:
    if status is not TenantStatus.ACTIVE:
        raise KeyNotIssuable(status)


def valid_scopes(scopes: Sequence[str] | None) -> tuple[str, ...]:
    """The scopes a new key gets (`["admin"]` unless given), each once, in the order given."""
    if scopes is None:
        return DEFAULT_SCOPES
    unique = tuple(dict.fromkeys(scopes))
    if len(unique) > MAX_SCOPES:
        raise InvalidScopes(f"A key has at most {MAX_SCOPES} scopes.")
    for scope in unique:
        if not SCOPE.fullmatch(scope):
            raise InvalidScopes(
                f"Invalid scope {scope[:70]!r}: a lowercase letter, then up to 63 of a-z, 0-9 "
                "and `:._-`."
            )
    return unique


def tenant_refusal(status: TenantStatus) -> Refusal | None:
    """Why the tenant's keys are refused in this status; None when ACTIVE."""
    if status is TenantStatus.ACTIVE:
        return None
    return _TENANT_REFUSALS.get(status, Refusal.TENANT_NOT_ACTIVE)


def refusal(
    *,
    revoked_at: datetime | None,
    expires_at: datetime | None,
    tenant_status: TenantStatus,
    now: datetime,
) -> Refusal | None:
    """Why a key whose secret matched is refused, checked in this order; None: it works."""
    if revoked_at is not None:
        return Refusal.REVOKED
    if _expired(expires_at, now):
        return Refusal.EXPIRED
    return tenant_refusal(tenant_status)


def _expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and now >= expires_at


@dataclass(frozen=True)
class NewKey:
    """What a fresh key is made of: its id, its public id (from the minted text)."""

    id: UUID
    public_id: str


@dataclass(frozen=True)
class ApiKey:
    id: UUID
    tenant_id: UUID
    public_id: str
    name: str
    scopes: tuple[str, ...]
    origin: KeyOrigin
    created_at: datetime
    created_by: Actor | None
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    rotated_from: UUID | None

    @classmethod
    def create(
        cls,
        new: NewKey,
        *,
        tenant_id: UUID,
        name: str,
        scopes: Sequence[str] | None,
        expires_in: timedelta | None,
        actor: Actor,
        now: datetime,
    ) -> tuple[ApiKey, ApiKeyCreated]:
        """A key made through the API; `InvalidScopes` for scopes out of the rules."""
        key = cls(
            id=new.id,
            tenant_id=tenant_id,
            public_id=new.public_id,
            name=name,
            scopes=valid_scopes(scopes),
            origin=KeyOrigin.API,
            created_at=now,
            created_by=actor,
            expires_at=None if expires_in is None else now + expires_in,
            last_used_at=None,
            revoked_at=None,
            rotated_from=None,
        )
        return key, key._event(ApiKeyCreated, key.facts(), now, actor)

    @classmethod
    def initial(cls, data: ApiKeyIssuedData, *, at: datetime, actor: Actor | None) -> ApiKey:
        """The provisioner's initial key as `tenant.api_key_issued` describes it (the caller
        checked that it carries a public id)."""
        assert data.public_id is not None
        return cls(
            id=data.api_key_id,
            tenant_id=data.tenant_id,
            public_id=data.public_id,
            name=INITIAL_NAME,
            scopes=tuple(data.scopes) if data.scopes is not None else DEFAULT_SCOPES,
            origin=KeyOrigin.INITIAL,
            created_at=at,
            created_by=actor,
            expires_at=None,
            last_used_at=None,
            revoked_at=None,
            rotated_from=None,
        )

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and not _expired(self.expires_at, now)

    def status(self, now: datetime, *, replaced: bool) -> KeyStatus:
        """As listed; `replaced`: a newer key was rotated from this one."""
        if self.revoked_at is not None:
            return KeyStatus.REVOKED
        if not self.is_usable(now):
            return KeyStatus.EXPIRED
        return KeyStatus.ROTATING if replaced else KeyStatus.ACTIVE

    def rotate(
        self, new: NewKey, *, overlap: timedelta, actor: Actor, now: datetime
    ) -> tuple[ApiKey, ApiKey, ApiKeyRotated]:
        """(this key, expiring at the end of the overlap or sooner; its successor, same name
        and scopes, living as long as this one was made to; the event)."""
        if not self.is_usable(now):
            raise KeyNotRotatable(self.status(now, replaced=False))
        ends = now + overlap if self.expires_at is None else min(self.expires_at, now + overlap)
        old = replace(self, expires_at=ends)
        lifetime = None if self.expires_at is None else self.expires_at - self.created_at
        successor = replace(
            self,
            id=new.id,
            public_id=new.public_id,
            origin=KeyOrigin.API,
            created_at=now,
            created_by=actor,
            expires_at=None if lifetime is None else now + lifetime,
            last_used_at=None,
            rotated_from=self.id,
        )
        data = ApiKeyRotatedData(
            **successor.facts().model_dump(), rotated_from=self.id, old_expires_at=ends
        )
        return old, successor, self._event(ApiKeyRotated, data, now, actor)

    def revoke(self, *, actor: Actor, now: datetime) -> tuple[ApiKey, ApiKeyRevoked] | None:
        """Revoked at once; None if it already was (nothing changes, nothing is published)."""
        if self.revoked_at is not None:
            return None
        # No handover to remember the revocation for: the moment of the revocation.
        data = ApiKeyRevokedData(tenant_id=self.tenant_id, api_key_id=self.id, expires_at=now)
        return replace(self, revoked_at=now), self._event(ApiKeyRevoked, data, now, actor)

    def facts(self) -> ApiKeyFacts:
        return ApiKeyFacts(
            tenant_id=self.tenant_id,
            api_key_id=self.id,
            public_id=self.public_id,
            name=self.name,
            scopes=list(self.scopes),
            expires_at=self.expires_at,
        )

    def _event(self, cls: type[_E], data: object, now: datetime, actor: Actor) -> _E:
        return about_tenant(cls, data, tenant_id=self.tenant_id, now=now, actor=actor)
