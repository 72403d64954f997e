"""A lead: someone who signed up and has not (yet) proven their e-mail address."""

from __future__ import annotations

from enum import StrEnum


class LeadStatus(StrEnum):
    PENDING = "PENDING"
    VERIFIED = "VERIFIED"


def normalise_email(email: str) -> str:
    """E-mail addresses compare case-insensitively for uniqueness."""
    return email.strip().lower()
