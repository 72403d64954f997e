"""The gateway's front-door settings: token algorithm and keys, rate limits, headers, CORS."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator
from pydantic_settings import NoDecode

from service_kit.client_ip import TrustedProxies, split_commas
from service_kit.settings_mixin import SettingsMixin


class FrontDoorSettings(SettingsMixin):
    """Mixed into `TenantApiSettings`; every field is in the README's configuration table."""

    jwt_algorithm: Literal["HS256", "RS256"] = Field(
        default="HS256",
        description="The only algorithm accepted: HS256 with JWT_SECRET, or RS256 via JWKS.",
    )
    jwt_jwks_url: str | None = Field(
        default=None, description="The identity provider's JWKS (required with RS256)."
    )
    jwks_cache_seconds: float = Field(default=300.0, gt=0)
    jwks_min_refetch_seconds: float = Field(
        default=5.0, ge=0, description="An unknown `kid` refetches the JWKS at most this often."
    )

    public_api_max_attempts: int = Field(default=10, ge=1)
    public_api_window_seconds: float = Field(default=60.0, gt=0)
    auth_api_max_requests: int = Field(default=600, ge=1)
    auth_api_window_seconds: float = Field(default=60.0, gt=0)
    trusted_proxies: TrustedProxies = ()

    hsts_seconds: int = Field(default=0, ge=0)
    cors_allow_origins: Annotated[tuple[str, ...], NoDecode, BeforeValidator(split_commas)] = ()

    @model_validator(mode="after")
    def _one_algorithm(self) -> FrontDoorSettings:
        if self.jwt_algorithm == "RS256" and not self.jwt_jwks_url:
            raise ValueError("JWT_ALGORITHM=RS256 needs JWT_JWKS_URL")
        if self.jwt_algorithm == "HS256" and self.jwt_jwks_url:
            raise ValueError("JWT_JWKS_URL is only used with JWT_ALGORITHM=RS256; set both")
        if self.jwt_jwks_url and not self.jwt_jwks_url.startswith(("https://", "http://")):
            raise ValueError("JWT_JWKS_URL must be an http(s) URL")
        production = getattr(self, "environment", "development") == "production"
        if production and self.jwt_jwks_url and not self.jwt_jwks_url.startswith("https://"):
            raise ValueError("JWT_JWKS_URL must use https in production")
        return self
