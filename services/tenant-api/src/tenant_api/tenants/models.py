"""HTTP bodies of the tenant routes (camelCase on the wire, ARC-compatible names)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from uuid import UUID

from pydantic import EmailStr, Field, field_validator

from shared_schemas.api.base import AddressIn, ApiModel
from shared_schemas.events import Tier
from tenant_api.domain.onboarding import KEY_PATTERN, normalise_domains
from tenant_api.domain.status import TenantStatus
from tenant_api.domain.tenant import TenantView
from tenant_api.web.paging import CursorPage
from tenant_api.web.patch import PatchIn


class _NewTenant(ApiModel):
    key: str = Field(pattern=KEY_PATTERN, description="Short unique key: 3 to 20 of a-z and 0-9.")
    domains: list[str] = Field(min_length=1, max_length=20)
    tier: Tier
    plan_id: str | None = Field(
        default=None, max_length=100, description="One of `GET /plans`; default `standard`."
    )

    @field_validator("domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        return normalise_domains(value)


class OnboardFromLeadIn(_NewTenant):
    """Onboard the verified lead's tenant; contact and address come from the lead."""

    name: str | None = Field(default=None, min_length=1, max_length=200)


class ContactIn(ApiModel):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: EmailStr


class TenantIn(_NewTenant):
    """Direct onboarding by an admin."""

    name: str = Field(min_length=1, max_length=200)
    contact: ContactIn
    address: AddressIn | None = None


class ContactOut(ApiModel):
    id: UUID
    first_name: str
    last_name: str
    email: str
    is_primary: bool


class AddressOut(ApiModel):
    address: str
    city: str
    state: str | None = None
    zip: str | None = None
    country: str


class TenantOut(ApiModel):
    id: UUID
    key: str
    name: str
    status: TenantStatus
    tier: Tier
    plan_id: str
    domains: list[str]
    lead_id: UUID | None
    contacts: list[ContactOut]
    address: AddressOut | None
    created_at: datetime
    updated_at: datetime
    offboarding_due_at: datetime | None = Field(
        default=None, description="OFFBOARDING_SCHEDULED: when export and removal start."
    )
    offboarding_from: TenantStatus | None = Field(
        default=None, description="OFFBOARDING_SCHEDULED: the status a restore goes back to."
    )


def tenant_out(view: TenantView) -> TenantOut:
    tenant = asdict(view.tenant)
    shown = {name: tenant[name] for name in TenantOut.model_fields if name in tenant}
    return TenantOut.model_validate(
        {
            **shown,
            "contacts": [asdict(c) for c in view.contacts],
            "address": asdict(view.address) if view.address else None,
        }
    )


class TenantPage(CursorPage[TenantOut]):
    """Newest first; pass `nextCursor` as `after` for the next page (null: no more)."""


class TenantPatchIn(PatchIn):
    """Only these fields can change; status, key, tier and plan are refused as unknown (422)."""

    NULLABLE = frozenset({"address"})

    name: str | None = Field(default=None, min_length=1, max_length=200)
    domains: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=20,
        description="Replaces the list; the primary contact's e-mail domain must stay in it.",
    )
    address: AddressIn | None = Field(default=None, description="null removes the address.")

    @field_validator("domains")
    @classmethod
    def _domains(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else normalise_domains(value)
