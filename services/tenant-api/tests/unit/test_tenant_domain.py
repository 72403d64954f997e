"""The tenant and its contacts decide: transitions return the new state and the event."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from shared_schemas import Actor
from shared_schemas.events import Tier
from tenant_api.domain.contacts import ContactChanges, TenantContact
from tenant_api.domain.errors import PrimaryContactRequired
from tenant_api.domain.onboarding import DomainMismatch
from tenant_api.domain.status import InvalidTransition, TenantStatus
from tenant_api.domain.tenant import Tenant

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ADMIN = Actor(sub="ops:grace", role="admin")


def tenant(status: TenantStatus) -> Tenant:
    return Tenant(
        id=uuid4(),
        key="acme",
        name="Acme",
        status=status,
        tier=Tier.POOLED,
        plan_id="standard",
        domains=("acme.io",),
        lead_id=None,
        created_at=NOW,
        updated_at=NOW,
    )


def contact(*, primary: bool, email: str = "ada@acme.io") -> TenantContact:
    return TenantContact(uuid4(), "Ada", "Lovelace", email, is_primary=primary)


def test_suspending_an_active_tenant_returns_it_suspended_and_the_event() -> None:
    active = tenant(TenantStatus.ACTIVE)
    suspended, event = active.suspend(NOW, "unpaid", ADMIN)
    assert suspended.status is TenantStatus.SUSPENDED
    assert active.status is TenantStatus.ACTIVE  # frozen: the old one is unchanged
    assert (event.type, event.tenant_id, event.data.reason, event.actor) == (
        "tenant.suspended",
        active.id,
        "unpaid",
        ADMIN,
    )


def test_reactivating_reaches_active_only_from_suspended() -> None:
    with pytest.raises(InvalidTransition):
        tenant(TenantStatus.PROVISIONING).reactivate(NOW, ADMIN)
    back, event = tenant(TenantStatus.SUSPENDED).reactivate(NOW, ADMIN)
    assert (back.status, event.actor) == (TenantStatus.ACTIVE, ADMIN)


def test_only_a_provisioning_tenant_can_be_cancelled() -> None:
    tenant(TenantStatus.PROVISIONING).check_cancellable()
    with pytest.raises(InvalidTransition):
        tenant(TenantStatus.ACTIVE).check_cancellable()


def test_the_primary_contact_cannot_step_down_or_be_removed() -> None:
    primary = contact(primary=True)
    with pytest.raises(PrimaryContactRequired):
        primary.edit(ContactChanges(is_primary=False), ["acme.io"])
    with pytest.raises(PrimaryContactRequired):
        primary.check_removable()


def test_a_promotion_is_the_only_is_primary_change_and_checks_the_domain() -> None:
    other = contact(primary=False, email="bob@elsewhere.org")
    assert contact(primary=True).edit(ContactChanges(is_primary=True), ["acme.io"]).given() == {}
    with pytest.raises(DomainMismatch) as refused:
        other.edit(ContactChanges(is_primary=True), ["acme.io"])
    assert refused.value.field == "email"
    moved = contact(primary=False).edit(
        ContactChanges(first_name="Ann", is_primary=True), ["acme.io"]
    )
    assert moved.given() == {"first_name": "Ann", "is_primary": True}
