"""How operators sign in to the console through the OpenID provider (see identity/settings.py)."""

from __future__ import annotations

from pydantic import Field, field_validator

from service_kit.settings_mixin import SettingsMixin


class ConsoleSettings(SettingsMixin):
    """Mixed into `TenantApiSettings`; every field is in the README's configuration table."""

    oidc_redirect_uri: str | None = Field(
        default=None,
        description="The console's redirect URI registered at the provider. Default: the"
        " request's own `/console/callback` (set it behind a TLS-terminating proxy).",
    )
    console_session_seconds: int = Field(
        default=28800,
        ge=60,
        description="Longest life of a console session; it also ends when its access token does.",
    )

    @field_validator("oidc_redirect_uri")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("OIDC_REDIRECT_URI must be an absolute http(s) URL")
        return value
