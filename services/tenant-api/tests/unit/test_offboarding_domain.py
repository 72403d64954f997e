"""Offboarding with a grace: schedule, restore to where it came from, due → DEPROVISIONING."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import uuid4

import pytest

from shared_schemas.events import ExportRef
from tenant_api.domain.errors import OffboardingScheduled
from tenant_api.domain.status import InvalidTransition, TenantStatus

from .test_tenant_domain import ADMIN, NOW, tenant

S = TenantStatus
GRACE = timedelta(days=30)


@pytest.mark.parametrize("source", [S.ACTIVE, S.SUSPENDED])
def test_scheduling_remembers_the_status_and_the_due_time(source: TenantStatus) -> None:
    scheduled, event = tenant(source).schedule_offboarding(NOW, GRACE, "closing", ADMIN)
    assert scheduled.status is S.OFFBOARDING_SCHEDULED
    assert (scheduled.offboarding_due_at, scheduled.offboarding_from) == (NOW + GRACE, source)
    assert event.type == "tenant.offboarding_scheduled"
    assert (event.data.due_at, event.data.previous_status, event.data.reason) == (
        NOW + GRACE,
        source.value,
        "closing",
    )
    assert (event.actor, event.tenant_id) == (ADMIN, scheduled.id)


@pytest.mark.parametrize("source", [S.ACTIVE, S.SUSPENDED])
def test_restore_goes_back_to_where_it_came_from(source: TenantStatus) -> None:
    scheduled, _ = tenant(source).schedule_offboarding(NOW, GRACE, None, ADMIN)
    restored, event = scheduled.restore(NOW, ADMIN)
    assert restored.status is source
    assert (restored.offboarding_due_at, restored.offboarding_from) == (None, None)
    assert (event.type, event.data.restored_status, event.actor) == (
        "tenant.offboarding_cancelled",
        source.value,
        ADMIN,
    )


@pytest.mark.parametrize("status", [S.ACTIVE, S.SUSPENDED, S.DEPROVISIONING, S.OFFBOARDED])
def test_restore_outside_the_grace_is_refused(status: TenantStatus) -> None:
    with pytest.raises(InvalidTransition):
        tenant(status).restore(NOW, ADMIN)


@pytest.mark.parametrize(
    "status",
    [S.PENDING_PROVISION, S.PROVISIONING, S.PROVISION_FAILED, S.CANCELLED, S.OFFBOARDING_SCHEDULED],
)
def test_only_a_provisioned_tenant_gets_a_grace(status: TenantStatus) -> None:
    with pytest.raises(InvalidTransition):
        tenant(status).schedule_offboarding(NOW, GRACE, None, ADMIN)


def test_when_due_it_deprovisions_with_its_export() -> None:
    scheduled, _ = tenant(S.ACTIVE).schedule_offboarding(NOW, GRACE, None, ADMIN)
    export = ExportRef(export_id=uuid4(), folder="acme-x/y", location="file:///e/acme-x/y")
    moved, event = scheduled.offboard(NOW + GRACE, None, None, export)
    assert moved.status is S.DEPROVISIONING
    assert (event.type, event.data.export, event.actor) == (
        "tenant.offboarding_requested",
        export,
        None,
    )
    with pytest.raises(InvalidTransition):
        moved.restore(NOW, ADMIN)


def test_nothing_provisioned_offboards_at_once_without_an_export() -> None:
    pending = tenant(S.PENDING_PROVISION)
    assert not pending.holds_data
    moved, event = pending.offboard(NOW, "spam", ADMIN, None)
    assert (moved.status, event.data.export, event.data.reason) == (S.DEPROVISIONING, None, "spam")


def test_a_scheduled_tenant_is_read_only_for_every_other_command() -> None:
    scheduled = replace(tenant(S.ACTIVE), status=S.OFFBOARDING_SCHEDULED, offboarding_from=S.ACTIVE)
    with pytest.raises(OffboardingScheduled) as refused:
        scheduled.check_writable()
    assert str(refused.value) == "offboarding is scheduled; restore it first"
    for command in (
        lambda: scheduled.suspend(NOW, None, ADMIN),
        lambda: scheduled.reactivate(NOW, ADMIN),
        scheduled.check_cancellable,
    ):
        with pytest.raises(OffboardingScheduled):
            command()
    tenant(S.ACTIVE).check_writable()  # any other status: writable
