"""Events of a tenant's life cycle (producer: tenant-api, except `tenant.deprovisioned`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from shared_schemas.envelope import Contract, Envelope
from shared_schemas.events.common import Address, Contact, Tier


class TenantOnboardedData(Contract):
    tenant_id: UUID
    key: str
    name: str
    tier: Tier
    plan_id: str | None = None
    domains: list[str]
    lead_id: UUID | None = None
    contact: Contact
    address: Address | None = None


class TenantOnboarded(Envelope):
    """A tenant record exists, status PENDING_PROVISION."""

    type: Literal["tenant.onboarded"] = "tenant.onboarded"
    version: Literal[1] = 1
    data: TenantOnboardedData


class PlanFacts(Contract):
    """What the provisioner needs to know of the tenant's plan (tenant-api owns plans)."""

    id: str
    name: str
    tiers: list[Tier] = Field(description="Tiers the plan may be provisioned on.")
    price: str = Field(pattern=r"^\d+(\.\d{1,2})?$", description="Per period, e.g. 49.00")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    billing_period: Literal["monthly", "yearly"]
    external_infrastructure: bool | None = Field(
        default=None, description="Run the external infrastructure step; unset: silo only."
    )


class TenantProvisioningRequestedData(Contract):
    tenant_id: UUID
    pipeline_id: UUID
    key: str
    name: str
    tier: Tier
    plan: PlanFacts
    contact: Contact
    requested_by: str
    run: int = Field(default=1, ge=1, description="1 for the first pipeline, 2 for a retry, ...")


class TenantProvisioningRequested(Envelope):
    """tenant-api moved the tenant to PROVISIONING; the provisioner starts a pipeline."""

    type: Literal["tenant.provisioning_requested"] = "tenant.provisioning_requested"
    version: Literal[1] = 1
    data: TenantProvisioningRequestedData


class TenantActivatedData(Contract):
    tenant_id: UUID
    key: str
    name: str
    app_url: str | None = None
    contact: Contact


class TenantActivated(Envelope):
    """The tenant is ACTIVE; the notifier sends the welcome e-mail."""

    type: Literal["tenant.activated"] = "tenant.activated"
    version: Literal[1] = 1
    data: TenantActivatedData


class TenantProvisioningFailedData(Contract):
    tenant_id: UUID
    pipeline_id: UUID
    step: str
    reason: str
    contact: Contact


class TenantProvisioningFailed(Envelope):
    """The tenant is PROVISION_FAILED; the notifier alerts its contact and the operators."""

    type: Literal["tenant.provisioning_failed"] = "tenant.provisioning_failed"
    version: Literal[1] = 1
    data: TenantProvisioningFailedData


class PipelineRef(Contract):
    tenant_id: UUID
    pipeline_id: UUID


class TenantCancelRequested(Envelope):
    """An admin asked to cancel a running pipeline; the provisioner stops and compensates."""

    type: Literal["tenant.cancel_requested"] = "tenant.cancel_requested"
    version: Literal[1] = 1
    data: PipelineRef


class TenantCancelled(Envelope):
    """The tenant is CANCELLED after its pipeline was compensated."""

    type: Literal["tenant.cancelled"] = "tenant.cancelled"
    version: Literal[1] = 1
    data: PipelineRef


class TenantProvisioningTimedOutData(Contract):
    tenant_id: UUID
    pipeline_id: UUID
    last_progress_at: datetime


class TenantProvisioningTimedOut(Envelope):
    """The sweeper found no progress for PIPELINE_STALE_AFTER; the provisioner compensates."""

    type: Literal["tenant.provisioning_timed_out"] = "tenant.provisioning_timed_out"
    version: Literal[1] = 1
    data: TenantProvisioningTimedOutData


class TenantRef(Contract):
    tenant_id: UUID
    reason: str | None = Field(default=None, max_length=500)


class TenantOffboardingRequested(Envelope):
    """`DELETE /tenants/{id}`: the provisioner removes what the ledger says exists."""

    type: Literal["tenant.offboarding_requested"] = "tenant.offboarding_requested"
    version: Literal[1] = 1
    data: TenantRef


class TenantDeprovisionedData(Contract):
    tenant_id: UUID
    resources_removed: list[str]


class TenantDeprovisioned(Envelope):
    """Producer: provisioner. Every resource of the tenant is gone."""

    type: Literal["tenant.deprovisioned"] = "tenant.deprovisioned"
    version: Literal[1] = 1
    data: TenantDeprovisionedData


class TenantOffboardedData(Contract):
    tenant_id: UUID
    key: str
    contact: Contact


class TenantOffboarded(Envelope):
    """The tenant is OFFBOARDED; its record is kept, its resources are gone."""

    type: Literal["tenant.offboarded"] = "tenant.offboarded"
    version: Literal[1] = 1
    data: TenantOffboardedData


class TenantSuspended(Envelope):
    """The tenant is SUSPENDED."""

    type: Literal["tenant.suspended"] = "tenant.suspended"
    version: Literal[1] = 1
    data: TenantRef


class TenantReactivated(Envelope):
    """The tenant is ACTIVE again after a suspension."""

    type: Literal["tenant.reactivated"] = "tenant.reactivated"
    version: Literal[1] = 1
    data: TenantRef
