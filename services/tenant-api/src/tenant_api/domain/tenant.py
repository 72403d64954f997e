"""A tenant as its commands see it: each transition returns the new tenant and its event.

The state machine (`status.transition`) decides; InvalidTransition means nothing changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from shared_schemas import Actor, Envelope
from shared_schemas.events import (
    Contact,
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
    TenantOffboardingRequested,
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
from tenant_api.domain.status import TenantStatus, transition
from tenant_api.domain.tenant_events import about_tenant

# The events that say only which tenant, and why.
_RefEvent = TypeVar("_RefEvent", TenantSuspended, TenantReactivated, TenantOffboardingRequested)


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
        transition(self.status, TenantStatus.CANCELLED, only_from=TenantStatus.PROVISIONING)

    def suspend(
        self, now: datetime, reason: str | None, actor: Actor | None
    ) -> tuple[Tenant, TenantSuspended]:
        """ACTIVE → SUSPENDED."""
        moved = self._becoming(TenantStatus.SUSPENDED)
        return moved, self._ref_event(TenantSuspended, now, reason, actor)

    def reactivate(self, now: datetime, actor: Actor | None) -> tuple[Tenant, TenantReactivated]:
        """SUSPENDED → ACTIVE (ACTIVE is also where provisioning ends: not from there)."""
        moved = self._becoming(TenantStatus.ACTIVE, only_from=TenantStatus.SUSPENDED)
        return moved, self._ref_event(TenantReactivated, now, None, actor)

    def offboard(
        self, now: datetime, reason: str | None, actor: Actor | None
    ) -> tuple[Tenant, TenantOffboardingRequested]:
        """→ DEPROVISIONING; `tenant.deprovisioned` later makes it OFFBOARDED."""
        moved = self._becoming(TenantStatus.DEPROVISIONING)
        return moved, self._ref_event(TenantOffboardingRequested, now, reason, actor)

    @property
    def deprovisioning(self) -> bool:
        return self.status == TenantStatus.DEPROVISIONING

    def finish_offboarding(
        self, contact: Contact, cause: TenantDeprovisioned
    ) -> tuple[Tenant, TenantOffboarded]:
        """DEPROVISIONING → OFFBOARDED; the record stays, its resources are gone."""
        moved = self._becoming(TenantStatus.OFFBOARDED)
        data = TenantOffboardedData(tenant_id=self.id, key=self.key, contact=contact)
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
