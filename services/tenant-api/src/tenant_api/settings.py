"""tenant-api (the gateway) configuration (environment variables; see the README's table)."""

from __future__ import annotations

from service_kit.settings import JwtSettings, ServiceSettings


class TenantApiSettings(ServiceSettings, JwtSettings):
    service_name: str = "tenant-api"
    db_schema: str = "tenant_api"
    port: int = 8000

    lead_verifier_url: str = "http://127.0.0.1:8001"
    upstream_timeout: float = 5.0
    lead_facts_wait: float = 3.0
    jwt_leeway: int = 10
