"""Which leads an operator asks for: the filters a list and its count share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lead_verifier.domain.leads import LeadStatus


@dataclass(frozen=True)
class LeadFilter:
    status: LeadStatus | None = None
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive
    email_domain: str | None = None  # lower-cased, as addresses are stored
