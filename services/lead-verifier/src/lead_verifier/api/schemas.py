"""HTTP bodies of lead-verifier (camelCase on the wire, as in the public contract)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, str_strip_whitespace=True
    )


class AddressIn(ApiModel):
    address: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    state: str | None = Field(default=None, max_length=100)
    zip: str | None = Field(default=None, max_length=20)
    country: str = Field(min_length=2, max_length=100)


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
