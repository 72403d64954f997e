"""Bodies of `/leads*` (served by lead-verifier, exposed by the gateway)."""

from __future__ import annotations

from uuid import UUID

from pydantic import EmailStr, Field

from shared_schemas.api.base import AddressIn, ApiModel


class SignUpIn(ApiModel):
    """A prospective customer's sign-up."""

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    company_name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    address: AddressIn | None = None


class LeadCreatedOut(ApiModel):
    id: UUID


class VerifiedOut(ApiModel):
    id: UUID
    token: str = Field(description="Onboarding JWT (role `lead`) for POST /leads/{id}/tenants.")
