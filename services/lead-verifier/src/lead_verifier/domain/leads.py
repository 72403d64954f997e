"""A lead: someone who signed up and has not (yet) proven their e-mail address."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID

from shared_schemas import Envelope
from shared_schemas.events import (
    Address,
    LeadCreated,
    LeadCreatedData,
    LeadVerified,
    LeadVerifiedData,
    Sealed,
)

PRODUCER = "lead-verifier"
EventT = TypeVar("EventT", bound=Envelope)


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

    def created(
        self, *, account_exists: bool, link: Sealed | None, code_expires_at: datetime | None
    ) -> LeadCreated:
        """The event of its sign-up: the sealed link to mail, or none for an address that has
        an account already."""
        data = LeadCreatedData(
            **self._facts(),
            account_exists=account_exists,
            verification_link=link,
            code_expires_at=code_expires_at,
        )
        return self._event(LeadCreated, data, self.created_at)

    def verify(self, at: datetime) -> tuple[Lead, LeadVerified]:
        """The lead VERIFIED at `at`, and the event that says so."""
        verified = replace(self, status=LeadStatus.VERIFIED, verified_at=at)
        data = LeadVerifiedData(**self._facts(), address=self.address, verified_at=at)
        return verified, self._event(LeadVerified, data, at)

    def _facts(self) -> dict[str, Any]:
        """Who signed up, as every lead event tells it."""
        return {
            "lead_id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "company_name": self.company_name,
            "email": self.email,
        }

    def _event(self, kind: type[EventT], data: Any, at: datetime) -> EventT:
        return kind.build(data, producer=PRODUCER, correlation_id=self.id, occurred_at=at)
