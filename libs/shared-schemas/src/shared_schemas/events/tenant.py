"""Events of a tenant's life cycle (producer: tenant-api, except `tenant.deprovisioned`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from shared_schemas.envelope import Contract, EventV1
from shared_schemas.events.common import Address, Contact, PipelineRef, TenantScoped, Tier


class TenantOnboardedData(TenantScoped):
    key: str
    name: str
    tier: Tier
    plan_id: str | None = None
    domains: list[str]
    lead_id: UUID | None = None
    contact: Contact
    address: Address | None = None


class TenantOnboarded(EventV1):
    """A tenant record exists, status PENDING_PROVISION."""

    type: Literal["tenant.onboarded"] = "tenant.onboarded"
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
    identity: bool | None = Field(
        default=None,
        description="Register the tenant's own OpenID client; unset: wherever the provisioner"
        " has an identity driver other than `none`.",
    )


class TenantProvisioningRequestedData(PipelineRef):
    key: str
    name: str
    tier: Tier
    plan: PlanFacts
    contact: Contact
    requested_by: str
    run: int = Field(default=1, ge=1, description="1 for the first pipeline, 2 for a retry, ...")


class TenantProvisioningRequested(EventV1):
    """tenant-api moved the tenant to PROVISIONING; the provisioner starts a pipeline."""

    type: Literal["tenant.provisioning_requested"] = "tenant.provisioning_requested"
    data: TenantProvisioningRequestedData


class TenantActivatedData(TenantScoped):
    key: str
    name: str
    app_url: str | None = None
    contact: Contact


class TenantActivated(EventV1):
    """The tenant is ACTIVE; the notifier sends the welcome e-mail."""

    type: Literal["tenant.activated"] = "tenant.activated"
    data: TenantActivatedData


class TenantProvisioningFailedData(PipelineRef):
    step: str
    reason: str
    contact: Contact


class TenantProvisioningFailed(EventV1):
    """The tenant is PROVISION_FAILED; the notifier alerts its contact and the operators."""

    type: Literal["tenant.provisioning_failed"] = "tenant.provisioning_failed"
    data: TenantProvisioningFailedData


class TenantCancelRequested(EventV1):
    """An admin asked to cancel a running pipeline; the provisioner stops and compensates."""

    type: Literal["tenant.cancel_requested"] = "tenant.cancel_requested"
    data: PipelineRef


class TenantCancelled(EventV1):
    """The tenant is CANCELLED after its pipeline was compensated."""

    type: Literal["tenant.cancelled"] = "tenant.cancelled"
    data: PipelineRef


class TenantProvisioningTimedOutData(PipelineRef):
    last_progress_at: datetime


class TenantProvisioningTimedOut(EventV1):
    """The sweeper found no progress for PIPELINE_STALE_AFTER; the provisioner compensates."""

    type: Literal["tenant.provisioning_timed_out"] = "tenant.provisioning_timed_out"
    data: TenantProvisioningTimedOutData


class TenantRef(TenantScoped):
    reason: str | None = Field(default=None, max_length=500)


class TenantOffboardingScheduledData(TenantScoped):
    due_at: datetime = Field(description="When the export and removal start, unless restored.")
    previous_status: str = Field(description="The status a restore goes back to.")
    reason: str | None = Field(default=None, max_length=500)


class TenantOffboardingScheduled(EventV1):
    """`DELETE /tenants/{id}`: OFFBOARDING_SCHEDULED (read-only) until `due_at`."""

    type: Literal["tenant.offboarding_scheduled"] = "tenant.offboarding_scheduled"
    data: TenantOffboardingScheduledData


class TenantOffboardingCancelledData(TenantScoped):
    restored_status: str = Field(description="The status the tenant is back in.")


class TenantOffboardingCancelled(EventV1):
    """`POST /tenants/{id}/restore` during the grace: the scheduled offboarding is off."""

    type: Literal["tenant.offboarding_cancelled"] = "tenant.offboarding_cancelled"
    data: TenantOffboardingCancelledData


class ExportRef(Contract):
    """Where a tenant's export goes: `location` is `EXPORT_URL` + `folder`."""

    export_id: UUID
    folder: str = Field(max_length=300, description="`<tenant-key>-<tenant-id>/<export-id>`.")
    location: str = Field(max_length=2000, description="The folder's URL (file:// or s3://).")


class ExportedFile(Contract):
    """One file of an export, relative to its folder."""

    path: str = Field(max_length=500)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0, description="Bytes.")


class TenantOffboardingRequestedData(TenantRef):
    export: ExportRef | None = Field(
        default=None, description="Export the tenant's data here before removing anything."
    )


class TenantOffboardingRequested(EventV1):
    """The provisioner exports the tenant's data (if asked), then removes what the ledger
    says exists."""

    type: Literal["tenant.offboarding_requested"] = "tenant.offboarding_requested"
    data: TenantOffboardingRequestedData


class TenantDeprovisionedData(TenantScoped):
    resources_removed: list[str]
    export_id: UUID | None = Field(default=None, description="The export it wrote, if asked.")
    exported_files: list[ExportedFile] = Field(
        default_factory=list, description="The files it wrote to the export's folder."
    )


class TenantDeprovisioned(EventV1):
    """Producer: provisioner. Every resource of the tenant is gone."""

    type: Literal["tenant.deprovisioned"] = "tenant.deprovisioned"
    data: TenantDeprovisionedData


class TenantOffboardedData(TenantScoped):
    key: str
    contact: Contact
    export_location: str | None = Field(
        default=None, max_length=2000, description="The export's folder (file:// or s3://)."
    )


class TenantOffboarded(EventV1):
    """The tenant is OFFBOARDED; its record is kept, its resources are gone."""

    type: Literal["tenant.offboarded"] = "tenant.offboarded"
    data: TenantOffboardedData


class TenantSuspended(EventV1):
    """The tenant is SUSPENDED."""

    type: Literal["tenant.suspended"] = "tenant.suspended"
    data: TenantRef


class TenantReactivated(EventV1):
    """The tenant is ACTIVE again after a suspension."""

    type: Literal["tenant.reactivated"] = "tenant.reactivated"
    data: TenantRef
