"""Events of a lead: sign-up and e-mail verification (producer: lead-verifier)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import EmailStr, Field, model_validator

from shared_schemas.envelope import Contract, Envelope, EventV1
from shared_schemas.events.common import Address, Sealed


class LeadFacts(Contract):
    """Who signed up: every lead event carries it."""

    lead_id: UUID
    first_name: str
    last_name: str
    company_name: str
    email: EmailStr


class LeadCreatedV1Data(LeadFacts):
    verification_url: str
    code_expires_at: datetime


class LeadCreatedV1(EventV1):
    """Superseded by v2 (its link travelled in plaintext); still read, no longer produced."""

    type: Literal["lead.created"] = "lead.created"
    data: LeadCreatedV1Data


def verification_link_binding(lead_id: UUID) -> str:
    """The associated data a lead's sealed link is bound to: it opens for that lead only."""
    return f"lead.created:v2:verification_link:{lead_id}"


class LeadCreatedData(LeadFacts):
    account_exists: bool = Field(
        description="The address already belongs to a verified lead: mail a sign-in hint, "
        "no code (the sign-up's answer is the same either way)."
    )
    verification_link: Sealed | None = Field(
        description="The link with the live code, sealed for lead-verifier and the notifier "
        "(associated data: `verification_link_binding(lead_id)`); null when `account_exists`."
    )
    code_expires_at: datetime | None = Field(description="Null when `account_exists`.")

    @model_validator(mode="after")
    def _a_link_unless_the_account_exists(self) -> LeadCreatedData:
        has_link = self.verification_link is not None and self.code_expires_at is not None
        no_link = self.verification_link is None and self.code_expires_at is None
        if not (no_link if self.account_exists else has_link):
            raise ValueError(
                "a sealed link and its expiry when, and only when, no account exists yet"
            )
        return self


class LeadCreated(Envelope):
    """A prospective customer signed up; the notifier mails them the verification link
    (or, for an address that already has an account, a hint to sign in instead)."""

    type: Literal["lead.created"] = "lead.created"
    version: Literal[2] = 2
    data: LeadCreatedData


class LeadVerifiedData(LeadFacts):
    address: Address | None = None
    verified_at: datetime


class LeadVerified(EventV1):
    """The lead proved it owns its e-mail address; tenant-api keeps these facts for onboarding."""

    type: Literal["lead.verified"] = "lead.verified"
    data: LeadVerifiedData
