"""lead-verifier configuration (environment variables; see the README's table)."""

from __future__ import annotations

from service_kit.settings import (
    InternalApiSettings,
    JwtSettings,
    ServiceSettings,
    VerificationLinkSettings,
)


class LeadVerifierSettings(
    ServiceSettings, JwtSettings, VerificationLinkSettings, InternalApiSettings
):
    service_name: str = "lead-verifier"
    db_schema: str = "lead_verifier"
    port: int = 8001

    app_validate_url: str = "http://localhost:3000/validate"
    lead_code_ttl: int = 3600
    lead_max_attempts: int = 5
    lead_token_ttl: int = 1800
