"""A lead: someone who signed up and has not (yet) proven their e-mail address."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from shared_schemas.events import Address, LeadVerified, LeadVerifiedData

PRODUCER = "lead-verifier"


class LeadStatus(StrEnum):
    PENDING = "PENDING"
    VERIFIED = "VERIFIED"


def normalise_email(email: str) -> str:
    """E-mail addresses compare case-insensitively for uniqueness."""
    return email.strip().lower()


@dataclass(frozen=True)
class Lead:
    id: UUID
    first_name: str
    last_name: str
    company_name: str
    email: str  # normalised
    address: Address | None
    status: LeadStatus
    created_at: datetime
    verified_at: datetime | None = None

    def verify(self, at: datetime) -> tuple[Lead, LeadVerified]:
        """The lead VERIFIED at `at`, and the event that says so."""
        verified = replace(self, status=LeadStatus.VERIFIED, verified_at=at)
        event = LeadVerified.build(
            LeadVerifiedData(
                lead_id=self.id,
                first_name=self.first_name,
                last_name=self.last_name,
                company_name=self.company_name,
                email=self.email,
                address=self.address,
                verified_at=at,
            ),
            producer=PRODUCER,
            correlation_id=self.id,
            occurred_at=at,
        )
        return verified, event
