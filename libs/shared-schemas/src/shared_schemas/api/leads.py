"""Bodies of `/leads*` (served by lead-verifier, exposed by the gateway)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import EmailStr, Field, ValidationInfo, field_validator

from shared_schemas.api.base import AddressIn, ApiModel
from shared_schemas.api.instants import Instant


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


LeadStatusName = Literal["PENDING", "VERIFIED"]


class LeadFilters(ApiModel):
    """The filters of `GET /leads` and `GET /leads/count`: the count is that of the list."""

    status: LeadStatusName | None = None
    created_from: Instant | None = Field(
        default=None, alias="from", description="Created at or after (a time with its zone)."
    )
    created_to: Instant | None = Field(
        default=None, alias="to", description="Created before (a time with its zone)."
    )
    email_domain: str | None = Field(
        default=None,
        max_length=253,
        pattern=r"^[^@\s]+$",
        description="The e-mail address's domain, exactly; case does not matter.",
    )

    @field_validator("created_to")
    @classmethod
    def _after_from(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("created_from")
        if value is not None and start is not None and start > value:
            raise ValueError("`to` is before `from`")
        return value

    @field_validator("email_domain")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if value else None


class LeadListQuery(LeadFilters):
    """`GET /leads`: the filters, a page size and where the page starts."""

    limit: int = Field(default=50, ge=1, le=200)
    after: str | None = Field(
        default=None, max_length=200, description="`nextCursor` of the previous page."
    )


class LeadAddress(ApiModel):
    address: str
    city: str
    state: str | None = None
    zip: str | None = None
    country: str


class LeadOut(ApiModel):
    """A lead as operators see it: who signed up and how far they got. Never a code."""

    id: UUID
    first_name: str
    last_name: str
    company_name: str
    email: str
    address: LeadAddress | None
    status: LeadStatusName
    created_at: datetime
    verified_at: datetime | None


class LeadPage(ApiModel):
    """Newest first; pass `nextCursor` as `after` for the next page (null: no more)."""

    items: list[LeadOut]
    next_cursor: str | None = None
