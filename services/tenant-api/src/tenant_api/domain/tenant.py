"""A tenant as its commands see it: each transition returns the new tenant and its event.

The state machine (`status.transition`) decides; InvalidTransition means nothing changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from shared_schemas import Actor, Envelope
from shared_schemas.events import (
    Contact,
    ExportRef,
    PipelineRef,
    PlanFacts,
    ProvisioningCancelled,
    ProvisioningCompleted,
    ProvisioningFailed,
    TenantActivated,
    TenantActivatedData,
    TenantCancelled,
    TenantDeprovisioned,
    TenantOffboarded,
    TenantOffboardedData,
    TenantOffboardingCancelled,
    TenantOffboardingCancelledData,
    TenantOffboardingRequested,
    TenantOffboardingRequestedData,
    TenantOffboardingScheduled,
    TenantOffboardingScheduledData,
    TenantProvisioningFailed,
    TenantProvisioningFailedData,
    TenantProvisioningRequested,
    TenantProvisioningRequestedData,
    TenantReactivated,
    TenantRef,
    TenantSuspended,
    Tier,
)
from tenant_api import PRODUCER
from tenant_api.domain.contacts import TenantContact
from tenant_api.domain.errors import OffboardingScheduled
from tenant_api.domain.status import InvalidTransition, TenantStatus, transition
from tenant_api.domain.tenant_events import about_tenant

# The events that say only which tenant, and why.
_RefEvent = TypeVar("_RefEvent", TenantSuspended, TenantReactivated)

# Provisioned: removing it loses data, so DELETE gives it a grace and offboarding exports first.
_HOLDS_DATA = frozenset(
    {TenantStatus.ACTIVE, TenantStatus.SUSPENDED, TenantStatus.OFFBOARDING_SCHEDULED}
)


@dataclass(frozen=True)
class Tenant:
    id: UUID
    key: str
    name: str
    status: TenantStatus
    tier: Tier
    plan_id: str
    domains: tuple[str, ...]
    lead_id: UUID | None
    created_at: datetime
    updated_at: datetime
    feature_flags: Mapping[str, Any] = field(default_factory=dict)
    app_url: str | None = None
    offboarding_due_at: datetime | None = None
    offboarding_from: TenantStatus | None = None  # where a restore goes back to

    def check_writable(self) -> None:
        """During the offboarding grace the tenant is read-only (reads still work)."""
        if self.status is TenantStatus.OFFBOARDING_SCHEDULED:
            raise OffboardingScheduled(self.id)

    @property
    def holds_data(self) -> bool:
        return self.status in _HOLDS_DATA

    def provision(
        self,
        *,
        pipeline_id: UUID,
        run: int,
        plan: PlanFacts,
        contact: Contact,
        requested_by: str,
        now: datetime,
        actor: Actor | None,
    ) -> tuple[Tenant, TenantProvisioningRequested]:
        """PROVISIONING with a new pipeline (run 1, or the next run for a retry)."""
        self.check_writable()
        moved = self._becoming(TenantStatus.PROVISIONING)
        data = TenantProvisioningRequestedData(
            tenant_id=self.id,
            pipeline_id=pipeline_id,
            key=self.key,
            name=self.name,
            tier=Tier(self.tier),
            plan=plan,
            contact=contact,
            requested_by=requested_by,
            run=run,
        )
        event = TenantProvisioningRequested.build(
            data,
            producer=PRODUCER,
            correlation_id=pipeline_id,
            tenant_id=self.id,
            occurred_at=now,
            actor=actor,
        )
        return moved, event

    def check_cancellable(self) -> None:
        """Only a PROVISIONING tenant can be cancelled (it stays so until the provisioner says)."""
        self.check_writable()
        transition(self.status, TenantStatus.CANCELLED, only_from=TenantStatus.PROVISIONING)

    def suspend(
        self, now: datetime, reason: str | None, actor: Actor | None
    ) -> tuple[Tenant, TenantSuspended]:
        """ACTIVE → SUSPENDED."""
        self.check_writable()
        moved = self._becoming(TenantStatus.SUSPENDED)
        return moved, self._ref_event(TenantSuspended, now, reason, actor)

    def reactivate(self, now: datetime, actor: Actor | None) -> tuple[Tenant, TenantReactivated]:
        """SUSPENDED → ACTIVE (ACTIVE is also where provisioning ends: not from there)."""
        self.check_writable()
        moved = self._becoming(TenantStatus.ACTIVE, only_from=TenantStatus.SUSPENDED)
        return moved, self._ref_event(TenantReactivated, now, None, actor)

    def schedule_offboarding(
        self, now: datetime, grace: timedelta, reason: str | None, actor: Actor | None
    ) -> tuple[Tenant, TenantOffboardingScheduled]:
        """ACTIVE or SUSPENDED → OFFBOARDING_SCHEDULED until `now + grace`, remembering which."""
        if not self.holds_data:  # nothing provisioned to lose: offboard() at once instead
            raise InvalidTransition(self.status, TenantStatus.OFFBOARDING_SCHEDULED)
        due_at = now + grace
        moved = replace(
            self._becoming(TenantStatus.OFFBOARDING_SCHEDULED),
            offboarding_due_at=due_at,
            offboarding_from=self.status,
        )
        data = TenantOffboardingScheduledData(
            tenant_id=self.id, due_at=due_at, previous_status=self.status.value, reason=reason
        )
        return moved, about_tenant(
            TenantOffboardingScheduled, data, tenant_id=self.id, now=now, actor=actor
        )

    def restore(
        self, now: datetime, actor: Actor | None
    ) -> tuple[Tenant, TenantOffboardingCancelled]:
        """OFFBOARDING_SCHEDULED → the status it came from (only during the grace)."""
        back = self.offboarding_from or TenantStatus.ACTIVE
        moved = replace(
            self._becoming(back, only_from=TenantStatus.OFFBOARDING_SCHEDULED),
            offboarding_due_at=None,
            offboarding_from=None,
        )
        data = TenantOffboardingCancelledData(tenant_id=self.id, restored_status=back.value)
        return moved, about_tenant(
            TenantOffboardingCancelled, data, tenant_id=self.id, now=now, actor=actor
        )

    def offboard(
        self, now: datetime, reason: str | None, actor: Actor | None, export: ExportRef | None
    ) -> tuple[Tenant, TenantOffboardingRequested]:
        """→ DEPROVISIONING: the provisioner exports to `export` (if any), then removes;
        `tenant.deprovisioned` later makes it OFFBOARDED."""
        moved = self._becoming(TenantStatus.DEPROVISIONING)
        data = TenantOffboardingRequestedData(tenant_id=self.id, reason=reason, export=export)
        return moved, about_tenant(
            TenantOffboardingRequested, data, tenant_id=self.id, now=now, actor=actor
        )

    @property
    def deprovisioning(self) -> bool:
        return self.status == TenantStatus.DEPROVISIONING

    def finish_offboarding(
        self, contact: Contact, cause: TenantDeprovisioned, export_location: str | None
    ) -> tuple[Tenant, TenantOffboarded]:
        """DEPROVISIONING → OFFBOARDED; the record (and the export) stays, its resources go."""
        moved = self._becoming(TenantStatus.OFFBOARDED)
        data = TenantOffboardedData(
            tenant_id=self.id, key=self.key, contact=contact, export_location=export_location
        )
        event = TenantOffboarded.build(
            data, producer=PRODUCER, correlation_id=cause.correlation_id, causation=cause
        )
        return moved, event

    def activate(
        self, contact: Contact, cause: ProvisioningCompleted
    ) -> tuple[Tenant, TenantActivated]:
        """PROVISIONING → ACTIVE at the app URL the pipeline reported (/config shows it)."""
        app_url = cause.data.app_url
        moved = replace(self._ending_provisioning(TenantStatus.ACTIVE), app_url=app_url)
        data = TenantActivatedData(
            tenant_id=self.id, key=self.key, name=self.name, app_url=app_url, contact=contact
        )
        return moved, TenantActivated.build(data, **_caused_by(cause))

    def fail_provisioning(
        self, contact: Contact, cause: ProvisioningFailed
    ) -> tuple[Tenant, TenantProvisioningFailed]:
        """PROVISIONING → PROVISION_FAILED; a retry may follow."""
        d = cause.data
        data = TenantProvisioningFailedData(
            tenant_id=self.id,
            pipeline_id=d.pipeline_id,
            step=d.step,
            reason=d.reason,
            contact=contact,
        )
        moved = self._ending_provisioning(TenantStatus.PROVISION_FAILED)
        return moved, TenantProvisioningFailed.build(data, **_caused_by(cause))

    def confirm_cancel(self, cause: ProvisioningCancelled) -> tuple[Tenant, TenantCancelled]:
        """PROVISIONING → CANCELLED once the provisioner has compensated."""
        ref = PipelineRef(tenant_id=cause.data.tenant_id, pipeline_id=cause.data.pipeline_id)
        moved = self._ending_provisioning(TenantStatus.CANCELLED)
        return moved, TenantCancelled.build(ref, **_caused_by(cause))

    def _ending_provisioning(self, target: TenantStatus) -> Tenant:
        return self._becoming(target, only_from=TenantStatus.PROVISIONING)

    def _becoming(self, target: TenantStatus, *, only_from: TenantStatus | None = None) -> Tenant:
        return replace(self, status=transition(self.status, target, only_from=only_from))

    def _ref_event(
        self, event: type[_RefEvent], now: datetime, reason: str | None, actor: Actor | None
    ) -> _RefEvent:
        data = TenantRef(tenant_id=self.id, reason=reason)
        return about_tenant(event, data, tenant_id=self.id, now=now, actor=actor)


def _caused_by(event: Envelope) -> dict[str, Any]:
    return {"producer": PRODUCER, "correlation_id": event.correlation_id, "causation": event}


@dataclass(frozen=True)
class PostalAddress:
    address: str
    city: str
    state: str | None
    zip: str | None
    country: str


@dataclass(frozen=True)
class TenantView:
    """A tenant as it is read: with its contacts (the primary first) and its address."""

    tenant: Tenant
    contacts: tuple[TenantContact, ...]
    address: PostalAddress | None
