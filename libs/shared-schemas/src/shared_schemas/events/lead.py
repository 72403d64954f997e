"""Events of a lead: sign-up and e-mail verification (producer: lead-verifier)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import EmailStr

from shared_schemas.envelope import Contract, Envelope
from shared_schemas.events.common import Address


class LeadCreatedData(Contract):
    lead_id: UUID
    first_name: str
    last_name: str
    company_name: str
    email: EmailStr
    verification_url: str
    code_expires_at: datetime


class LeadCreated(Envelope):
    """A prospective customer signed up; the notifier mails them the verification link."""

    TYPE = "lead.created"
    VERSION = 1
    type: Literal["lead.created"] = "lead.created"
    version: Literal[1] = 1
    data: LeadCreatedData


class LeadVerifiedData(Contract):
    lead_id: UUID
    first_name: str
    last_name: str
    company_name: str
    email: EmailStr
    address: Address | None = None
    verified_at: datetime


class LeadVerified(Envelope):
    """The lead proved it owns its e-mail address; tenant-api keeps these facts for onboarding."""

    TYPE = "lead.verified"
    VERSION = 1
    type: Literal["lead.verified"] = "lead.verified"
    version: Literal[1] = 1
    data: LeadVerifiedData
