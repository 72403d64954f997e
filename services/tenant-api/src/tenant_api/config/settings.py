"""Settings of the tenant config (context provider): its cache and the endpoints it names."""

from __future__ import annotations

from pydantic import Field

from service_kit.settings_mixin import SettingsMixin


class TenantConfigSettings(SettingsMixin):
    """Mixed into `TenantApiSettings`; every field is in the README's configuration table."""

    public_api_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The gateway's public base URL, given to tenants as `endpoints.apiBaseUrl`.",
    )
    tenant_config_cache_ttl: int = Field(
        default=3600,
        ge=1,
        description="Seconds an unused tenant config stays in Redis (memory only: never stale).",
    )
