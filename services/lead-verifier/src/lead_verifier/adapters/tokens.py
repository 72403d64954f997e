"""The short-lived onboarding JWT handed to a lead once its e-mail is verified."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import jwt

from lead_verifier.settings import LeadVerifierSettings


def onboarding_token(lead_id: UUID, now: datetime, settings: LeadVerifierSettings) -> str:
    claims = {
        "sub": f"lead:{lead_id}",
        "role": "lead",
        "lead_id": str(lead_id),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=settings.lead_token_ttl)).timestamp()),
    }
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")
