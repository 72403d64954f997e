"""Settings every service shares; each service subclasses it and adds its own."""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from service_kit.database_urls import asyncpg_dsn, keeps_every_host
from service_kit.sealing import Keyring, KeyringError

DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789abcdef"  # noqa: S105 - refused outside development
# 32 bytes ("dev-only-verification-link-key!!"), base64: fine on a laptop, refused in production.
DEV_VERIFICATION_LINK_KEY = "ZGV2LW9ubHktdmVyaWZpY2F0aW9uLWxpbmsta2V5ISE="
# Likewise for the webhook runs' secrets and the initial API keys on their way between services.
DEV_WEBHOOK_RUN_KEY = "ZGV2LW9ubHktd2ViaG9vay1ydW4ta2V5LTMyYnl0ZXM="
DEV_API_KEY_HANDOVER_KEY = "ZGV2LW9ubHktYXBpLWtleS1oYW5kb3Zlci1rZXkhISE="


class ServiceSettings(BaseSettings):
    """Read from the environment once, in the entrypoint, then passed around."""

    # A refused value is not echoed in the error: URLs and keys may carry secrets.
    model_config = SettingsConfigDict(
        env_file=None, extra="ignore", frozen=True, hide_input_in_errors=True
    )

    service_name: str = "service"
    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    processes: int = Field(default=1, ge=1, le=64, description="uvicorn worker processes.")

    database_url: Annotated[str, keeps_every_host("DATABASE_URL")] = (
        "postgresql+asyncpg://postgres@127.0.0.1:5432/controlplane"
    )
    db_schema: str = "public"
    db_pool_size: int = 10
    rabbitmq_url: SecretStr = SecretStr("amqp://guest:guest@127.0.0.1:5672/")
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_key_prefix: str = "cp:"

    events_exchange: str = "controlplane.events"
    queue_prefix: str = ""
    queue_expires_ms: int | None = Field(
        default=None, description="Delete idle queues after this long (tests only)."
    )
    retry_delays: Annotated[list[float], NoDecode] = [1.0, 5.0, 30.0]
    delivery_limit: int = 10
    consumer_prefetch: int = 32
    consumer_batch_size: int = Field(default=16, ge=1, le=1000)
    publish_timeout: float = 5.0
    outbox_batch_size: int = 100
    outbox_poll_interval: float = 1.0
    metrics_dlq_interval: float = 15.0
    # `/metrics` needs `Authorization: Bearer <METRICS_TOKEN>` when set; unset, it answers only
    # callers on this machine (loopback, no forwarding header).
    metrics_token: SecretStr | None = None

    # Retention (see docs/operations.md): what the pruner keeps, and how often it runs.
    retention_interval: float = Field(default=300.0, gt=0, description="Seconds between rounds.")
    retention_batch_size: int = Field(default=500, ge=1, le=10000)
    outbox_retention_days: float = Field(default=7.0, gt=0)
    inbox_retention_days: float = Field(default=30.0, gt=0)
    dead_letter_replay_days: float = Field(default=14.0, gt=0)

    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"
    max_body_bytes: int = 64 * 1024

    # Tracing is off unless one of the two endpoints is set (names as the OpenTelemetry SDK's).
    otel_exporter_otlp_endpoint: str | None = None
    otel_exporter_otlp_traces_endpoint: str | None = None
    otel_service_name: str | None = None
    otel_bsp_schedule_delay: float = Field(default=5000.0, gt=0, description="Milliseconds.")

    @field_validator(
        "otel_exporter_otlp_endpoint",
        "otel_exporter_otlp_traces_endpoint",
        "otel_service_name",
        "metrics_token",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # docker compose passes `${VAR:-}` through as an empty string.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("otel_exporter_otlp_endpoint", "otel_exporter_otlp_traces_endpoint")
    @classmethod
    def _otlp_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("an OTLP endpoint must be an http:// or https:// URL")
        return value

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("METRICS_TOKEN must be at least 16 characters")
        return value

    @field_validator("retry_delays", mode="before")
    @classmethod
    def _split_delays(cls, value: object) -> object:
        if isinstance(value, str):
            return [float(part) for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _inbox_outlives_replays(self) -> ServiceSettings:
        # A parked dead letter may be a copy of an event this service already handled; its
        # replay is deduplicated only while the inbox row still exists. Replays are allowed for
        # DEAD_LETTER_REPLAY_DAYS after the event occurred, and the replayed copy may still go
        # through every retry tier: the inbox keeps its rows that long, plus a day of margin.
        needed = self.dead_letter_replay_days * 86400 + sum(self.retry_delays) + 86400
        if self.inbox_retention_days * 86400 < needed:
            raise ValueError(
                "INBOX_RETENTION_DAYS must cover DEAD_LETTER_REPLAY_DAYS, the retry delays "
                "(RETRY_DELAYS) and one more day"
            )
        return self

    @property
    def asyncpg_dsn(self) -> str:
        """The database URL as plain asyncpg reads it (LISTEN, plain pools): every host kept."""
        return asyncpg_dsn(self.database_url)


class JwtSettings(BaseSettings):
    """Mixin for services that sign or verify tokens."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_issuer: str = "controlplane"
    jwt_audience: str = "controlplane-api"

    @model_validator(mode="after")
    def _refuse_dev_secret(self) -> JwtSettings:
        environment = getattr(self, "environment", "development")
        if environment == "production" and self.jwt_secret.get_secret_value() == DEV_JWT_SECRET:
            raise ValueError("JWT_SECRET must be set to a real secret in production")
        if len(self.jwt_secret.get_secret_value()) < 32:
            raise ValueError("JWT_SECRET must be at least 32 characters")
        return self


class VerificationLinkSettings(BaseSettings):
    """Mixin for the services that seal (lead-verifier) or open (notifier) verification links."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    verification_link_keys: SecretStr = Field(
        default=SecretStr(f"dev:{DEV_VERIFICATION_LINK_KEY}"),
        description="`k2:<base64 32 bytes>,k1:<base64 32 bytes>`: the first seals, all open.",
    )

    @model_validator(mode="after")
    def _usable_link_keys(self) -> VerificationLinkSettings:
        _check_keyring(
            self, "VERIFICATION_LINK_KEYS", self.verification_link_keys, DEV_VERIFICATION_LINK_KEY
        )
        return self

    def link_keyring(self) -> Keyring:
        return self._link_keyring

    @cached_property
    def _link_keyring(self) -> Keyring:
        # Parsed once per settings object, not on every sign-up that seals a link.
        return Keyring.parse(self.verification_link_keys.get_secret_value())


class WebhookRunKeySettings(BaseSettings):
    """Mixin for the services that seal (provisioner) or open (webhook-receiver) run secrets."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    webhook_run_keys: SecretStr = Field(
        default=SecretStr(f"dev:{DEV_WEBHOOK_RUN_KEY}"),
        description="`k2:<base64 32 bytes>,k1:<base64 32 bytes>`: the first seals, all open.",
    )

    @model_validator(mode="after")
    def _usable_run_keys(self) -> WebhookRunKeySettings:
        _check_keyring(self, "WEBHOOK_RUN_KEYS", self.webhook_run_keys, DEV_WEBHOOK_RUN_KEY)
        return self

    def run_keyring(self) -> Keyring:
        return self._run_keyring

    @cached_property
    def _run_keyring(self) -> Keyring:
        return Keyring.parse(self.webhook_run_keys.get_secret_value())


class ApiKeyHandoverSettings(BaseSettings):
    """Mixin for the services that seal (provisioner) or open (tenant-api) initial API keys."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    api_key_handover_keys: SecretStr = Field(
        default=SecretStr(f"dev:{DEV_API_KEY_HANDOVER_KEY}"),
        description="`k2:<base64 32 bytes>,k1:<base64 32 bytes>`: the first seals, all open.",
    )

    @model_validator(mode="after")
    def _usable_handover_keys(self) -> ApiKeyHandoverSettings:
        _check_keyring(
            self, "API_KEY_HANDOVER_KEYS", self.api_key_handover_keys, DEV_API_KEY_HANDOVER_KEY
        )
        return self

    def handover_keyring(self) -> Keyring:
        return self._handover_keyring

    @cached_property
    def _handover_keyring(self) -> Keyring:
        return Keyring.parse(self.api_key_handover_keys.get_secret_value())


def _check_keyring(settings: BaseSettings, name: str, value: SecretStr, dev_key: str) -> None:
    """Refused at start-up rather than by the first use; the message names no key."""
    spec = value.get_secret_value()
    try:
        Keyring.parse(spec)
    except KeyringError as exc:
        raise ValueError(f"{name}: {exc}") from None
    production = getattr(settings, "environment", "development") == "production"
    if production and dev_key in spec:
        raise ValueError(f"{name} must not carry the development key in production")
