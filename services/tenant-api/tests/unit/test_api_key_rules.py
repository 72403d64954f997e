"""API keys decide: when one works, how it is listed, and what creating, rotating and revoking
one change and announce."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from shared_schemas import Actor
from tenant_api.domain.api_keys import (
    ApiKey,
    InvalidScopes,
    KeyNotIssuable,
    KeyNotRotatable,
    KeyOrigin,
    KeyStatus,
    NewKey,
    Refusal,
    ensure_issuable,
    refusal,
    tenant_refusal,
    valid_scopes,
)
from tenant_api.domain.status import TenantStatus

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ADMIN = Actor(sub="ops:grace", role="admin")
OWNER = Actor(sub="deployer", role="tenant")


def created(*, expires_in: timedelta | None = None, scopes: list[str] | None = None) -> ApiKey:
    key, _ = ApiKey.create(
        NewKey(uuid4(), "abcdefghijkl"),
        tenant_id=uuid4(),
        name="orders",
        scopes=scopes,
        expires_in=expires_in,
        actor=ADMIN,
        now=NOW,
    )
    return key


def test_a_new_key_gets_admin_unless_scoped_and_says_so_without_a_secret() -> None:
    key, event = ApiKey.create(
        NewKey(uuid4(), "abcdefghijkl"),
        tenant_id=uuid4(),
        name="orders",
        scopes=None,
        expires_in=timedelta(days=30),
        actor=ADMIN,
        now=NOW,
    )

    assert key.scopes == ("admin",)
    assert (key.origin, key.created_by, key.expires_at) == (
        KeyOrigin.API,
        ADMIN,
        NOW + timedelta(days=30),
    )
    assert event.type == "tenant.api_key_created"
    assert (event.tenant_id, event.actor, event.occurred_at) == (key.tenant_id, ADMIN, NOW)
    assert event.data.model_dump() == {
        "tenant_id": key.tenant_id,
        "api_key_id": key.id,
        "public_id": "abcdefghijkl",
        "name": "orders",
        "scopes": ["admin"],
        "expires_at": NOW + timedelta(days=30),
    }


def test_scopes_are_checked_and_kept_once_in_order() -> None:
    assert valid_scopes(["orders:write", "orders:read", "orders:write"]) == (
        "orders:write",
        "orders:read",
    )
    assert valid_scopes([]) == ()
    assert valid_scopes([f"s{i}" for i in range(20)]) == tuple(f"s{i}" for i in range(20))
    for bad in (["Admin"], ["1st"], [""], ["a" * 65], ["has space"], ["x/y"]):
        with pytest.raises(InvalidScopes):
            valid_scopes(bad)
    with pytest.raises(InvalidScopes, match="at most 20"):
        valid_scopes([f"s{i}" for i in range(21)])


def refused(key: ApiKey, now: datetime, tenant: TenantStatus = TenantStatus.ACTIVE) -> Any:
    return refusal(
        revoked_at=key.revoked_at, expires_at=key.expires_at, tenant_status=tenant, now=now
    )


def test_a_key_works_until_it_expires_or_is_revoked() -> None:
    key = created(expires_in=timedelta(hours=1))

    assert key.is_usable(NOW)
    assert refused(key, NOW) is None
    assert key.status(NOW, replaced=False) is KeyStatus.ACTIVE
    later = NOW + timedelta(hours=1)
    assert not key.is_usable(later)
    assert refused(key, later) is Refusal.EXPIRED
    assert refused(key, later, TenantStatus.SUSPENDED) is Refusal.EXPIRED  # the key's own first
    assert refused(key, NOW, TenantStatus.SUSPENDED) is Refusal.TENANT_SUSPENDED
    assert key.status(later, replaced=False) is KeyStatus.EXPIRED
    decided = key.revoke(actor=OWNER, now=NOW)
    assert decided is not None
    revoked, event = decided
    assert refused(revoked, NOW) is Refusal.REVOKED
    assert refused(revoked, later) is Refusal.REVOKED  # revoked says more than expired
    assert revoked.status(NOW, replaced=True) is KeyStatus.REVOKED
    assert (event.type, event.actor, event.data.api_key_id) == (
        "tenant.api_key_revoked",
        OWNER,
        key.id,
    )


def test_revoking_twice_changes_nothing_the_second_time() -> None:
    decided = created().revoke(actor=ADMIN, now=NOW)
    assert decided is not None

    assert decided[0].revoke(actor=ADMIN, now=NOW + timedelta(minutes=1)) is None


def test_rotation_overlaps_then_hands_over_with_the_same_name_scopes_and_lifetime() -> None:
    key = created(expires_in=timedelta(days=90), scopes=["orders:read"])
    at = NOW + timedelta(days=10)

    old, new, event = key.rotate(
        NewKey(uuid4(), "mnopqrstuvwx"), overlap=timedelta(hours=6), actor=OWNER, now=at
    )

    assert old.expires_at == at + timedelta(hours=6)
    assert old.status(at, replaced=True) is KeyStatus.ROTATING
    assert (new.name, new.scopes, new.rotated_from) == ("orders", ("orders:read",), key.id)
    assert (new.created_at, new.created_by, new.expires_at) == (at, OWNER, at + timedelta(days=90))
    assert new.status(at, replaced=False) is KeyStatus.ACTIVE
    assert event.type == "tenant.api_key_rotated"
    assert event.data.rotated_from == key.id
    assert event.data.old_expires_at == old.expires_at
    assert event.data.api_key_id == new.id


def test_an_overlap_never_lengthens_a_key_and_a_key_for_ever_stays_for_ever() -> None:
    soon = created(expires_in=timedelta(hours=1))
    old, _, _ = soon.rotate(
        NewKey(uuid4(), "mnopqrstuvwx"), overlap=timedelta(days=1), actor=ADMIN, now=NOW
    )
    assert old.expires_at == NOW + timedelta(hours=1)

    forever = created()
    old, new, _ = forever.rotate(
        NewKey(uuid4(), "mnopqrstuvwx"), overlap=timedelta(0), actor=ADMIN, now=NOW
    )
    assert old.expires_at == NOW
    assert not old.is_usable(NOW)
    assert new.expires_at is None


def test_a_revoked_or_expired_key_is_not_rotated() -> None:
    decided = created().revoke(actor=ADMIN, now=NOW)
    assert decided is not None
    with pytest.raises(KeyNotRotatable, match="revoked"):
        decided[0].rotate(NewKey(uuid4(), "x" * 12), overlap=timedelta(0), actor=ADMIN, now=NOW)
    expired = created(expires_in=timedelta(seconds=1))
    with pytest.raises(KeyNotRotatable, match="expired"):
        expired.rotate(
            NewKey(uuid4(), "x" * 12),
            overlap=timedelta(0),
            actor=ADMIN,
            now=NOW + timedelta(seconds=1),
        )


@pytest.mark.parametrize(
    ("status", "refusal"),
    [
        (TenantStatus.ACTIVE, None),
        (TenantStatus.SUSPENDED, Refusal.TENANT_SUSPENDED),
        (TenantStatus.OFFBOARDING_SCHEDULED, Refusal.TENANT_OFFBOARDING),
        (TenantStatus.DEPROVISIONING, Refusal.TENANT_OFFBOARDING),
        (TenantStatus.OFFBOARDED, Refusal.TENANT_OFFBOARDED),
        (TenantStatus.PENDING_PROVISION, Refusal.TENANT_NOT_ACTIVE),
        (TenantStatus.PROVISIONING, Refusal.TENANT_NOT_ACTIVE),
        (TenantStatus.PROVISION_FAILED, Refusal.TENANT_NOT_ACTIVE),
        (TenantStatus.CANCELLED, Refusal.TENANT_NOT_ACTIVE),
    ],
)
def test_a_tenant_not_active_has_its_keys_refused_with_its_reason(
    status: TenantStatus, refusal: Refusal | None
) -> None:
    assert tenant_refusal(status) is refusal


def test_keys_are_issued_only_to_an_active_tenant() -> None:
    ensure_issuable(TenantStatus.ACTIVE)
    for status in TenantStatus:
        if status is not TenantStatus.ACTIVE:
            with pytest.raises(KeyNotIssuable, match=status.value):
                ensure_issuable(status)
