"""provisioner configuration (environment variables; see the README's table)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import parse_qs, urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from provisioner.identity_settings import IdentityStepSettings
from service_kit.database_urls import keeps_every_host
from service_kit.exports import ExportSettings
from service_kit.secret_files import CarriesSecret
from service_kit.settings import ApiKeyHandoverSettings, ServiceSettings, WebhookRunKeySettings

# A development key (32 bytes, base64): fine on a laptop, refused in production.
DEV_SECRETS_KEY = "ZGV2LW9ubHktdGVuYW50LXNlY3JldHMta2V5LTMyYiE="


class ProvisionerSettings(
    ServiceSettings,
    WebhookRunKeySettings,
    ApiKeyHandoverSettings,
    ExportSettings,
    IdentityStepSettings,
):
    service_name: str = "provisioner"
    db_schema: str = "provisioner"
    port: int = 8002

    # A secret (its user's password), so it may be given as TENANT_DATA_DSN_FILE.
    tenant_data_dsn: Annotated[str, keeps_every_host("TENANT_DATA_DSN"), CarriesSecret()] = (
        "postgresql://postgres@127.0.0.1:5432/tenant_data"
    )
    # Where tenants connect, when not where the provisioner does (a proxy, a public name):
    # handed over in `tenant.database_credentials_issued`. Unset: TENANT_DATA_DSN's first host.
    tenant_data_public_host: str | None = None
    tenant_data_public_port: int | None = Field(default=None, ge=1, le=65535)
    tenant_role_prefix: str = "tenant_"
    tenant_secrets_key: SecretStr = SecretStr(DEV_SECRETS_KEY)
    tenant_app_url_template: str = "https://{key}.app.localhost"

    provisioner_reserved_keys: Annotated[list[str], NoDecode] = [
        "admin",
        "api",
        "app",
        "internal",
        "root",
        "support",
        "system",
        "www",
    ]
    provisioner_max_silo_tenants: int = 1000
    provisioner_step_attempts: int = 3
    provisioner_step_retry_base: float = 0.5
    provisioner_callback_timeout: float = 300.0
    # Seconds a step waits out a database or Redis outage before its errors count as failures.
    provisioner_outage_tolerance: float = Field(default=120.0, ge=0)
    provisioner_poll_interval: float = 0.25
    provisioner_driver_lease: float = Field(default=30.0, gt=0)
    provisioner_workers: int = Field(default=4, ge=1, le=64)
    provisioner_faults_enabled: bool = False
    initial_key_ttl: int = 86400

    pipeline_driver: Literal["local", "http", "manual"] = "local"
    pipeline_local_command: str = ""
    pipeline_trigger_url: str = ""
    webhook_callback_url: str = "http://127.0.0.1:8003/webhooks/provisioning"

    def tenant_data_address(self) -> tuple[str, int, str]:
        """Host, port and database name tenants are told to connect to."""
        parts = urlsplit(self.tenant_data_dsn)
        query = parse_qs(parts.query)  # several hosts are given as `?host=h1,h2&port=p1,p2`
        host = parts.hostname or query.get("host", ["127.0.0.1"])[0].split(",")[0]
        port = parts.port or int(query.get("port", ["5432"])[0].split(",")[0])
        return (
            self.tenant_data_public_host or host,
            self.tenant_data_public_port or port,
            parts.path.lstrip("/") or "postgres",
        )

    @field_validator("provisioner_reserved_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _production_guards(self) -> ProvisionerSettings:
        if self.environment == "production":
            if self.tenant_secrets_key.get_secret_value() == DEV_SECRETS_KEY:
                raise ValueError("TENANT_SECRETS_KEY must be set in production")
            if self.provisioner_faults_enabled:
                raise ValueError("PROVISIONER_FAULTS_ENABLED is refused in production")
        if self.pipeline_driver == "http" and not self.pipeline_trigger_url:
            raise ValueError("PIPELINE_DRIVER=http needs PIPELINE_TRIGGER_URL")
        return self
