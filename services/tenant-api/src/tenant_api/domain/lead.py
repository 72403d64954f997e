"""What tenant-api knows of a verified lead: the facts its tenant is onboarded with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from shared_schemas.events import LeadVerified


@dataclass(frozen=True)
class LeadFacts:
    lead_id: UUID
    first_name: str
    last_name: str
    company_name: str
    email: str
    address: Mapping[str, Any] | None  # as `Address` dumps it
    verified_at: datetime

    @classmethod
    def of(cls, event: LeadVerified) -> LeadFacts:
        d = event.data
        return cls(
            lead_id=d.lead_id,
            first_name=d.first_name,
            last_name=d.last_name,
            company_name=d.company_name,
            email=str(d.email),
            address=d.address.model_dump() if d.address else None,
            verified_at=d.verified_at,
        )
