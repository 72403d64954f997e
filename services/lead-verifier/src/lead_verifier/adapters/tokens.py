"""The short-lived onboarding JWT handed to a lead once its e-mail is verified."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from lead_verifier.settings import LeadVerifierSettings
from service_kit.tokens import mint_token


def onboarding_token(lead_id: UUID, now: datetime, settings: LeadVerifierSettings) -> str:
    return mint_token(
        settings,
        role="lead",
        sub=f"lead:{lead_id}",
        lead_id=lead_id,
        ttl=timedelta(seconds=settings.lead_token_ttl),
        now=now,
    )
