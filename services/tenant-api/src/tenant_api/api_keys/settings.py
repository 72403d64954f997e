"""Settings of API key verification (environment; see the README's configuration table)."""

from __future__ import annotations

from pydantic import Field

from service_kit.settings_mixin import SettingsMixin


class ApiKeySettings(SettingsMixin):
    """Mixed into `TenantApiSettings`."""

    api_key_last_used_resolution: float = Field(
        default=60.0,
        ge=0,
        description="Seconds: a key's `last_used_at` is written at most once in this time.",
    )
    api_key_verify_max_requests: int = Field(
        default=6000,
        ge=1,
        description="`POST /api-keys/verify` calls per client IP in API_KEY_VERIFY_WINDOW_SECONDS.",
    )
    api_key_verify_window_seconds: float = Field(default=60.0, gt=0)
