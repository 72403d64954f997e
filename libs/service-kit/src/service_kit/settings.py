"""Settings every service shares; each service subclasses it and adds its own."""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from service_kit.broker_nodes import BrokerNodesError, check_node, parse_nodes
from service_kit.database_urls import asyncpg_dsn, keeps_every_host
from service_kit.sealing import Keyring, KeyringError
from service_kit.secret_files import CarriesSecret
from service_kit.sentinels import InvalidSentinels, SentinelAddress, parse_sentinels
from service_kit.settings_mixin import SettingsMixin

DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789abcdef"  # noqa: S105 - refused outside development
# 32 bytes ("dev-only-verification-link-key!!"), base64: fine on a laptop, refused in production.
DEV_VERIFICATION_LINK_KEY = "ZGV2LW9ubHktdmVyaWZpY2F0aW9uLWxpbmsta2V5ISE="
# Likewise for the webhook runs' secrets and the initial API keys on their way between services.
DEV_WEBHOOK_RUN_KEY = "ZGV2LW9ubHktd2ViaG9vay1ydW4ta2V5LTMyYnl0ZXM="
DEV_API_KEY_HANDOVER_KEY = "ZGV2LW9ubHktYXBpLWtleS1oYW5kb3Zlci1rZXkhISE="
DEV_INTERNAL_API_TOKEN = "dev-only-internal-api-token-change-me-0123456789"  # noqa: S105 - refused in production


class ServiceSettings(SettingsMixin):
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

    # URLs that may carry a password: plain strings (their hosts are logged and checked), yet
    # secrets, so they too may be given as `<NAME>_FILE`.
    database_url: Annotated[str, keeps_every_host("DATABASE_URL"), CarriesSecret()] = (
        "postgresql+asyncpg://postgres@127.0.0.1:5432/controlplane"
    )
    # `transaction`: DATABASE_URL is a transaction-mode pooler (PgBouncer, CloudNativePG's
    # Pooler), and what needs a session of its own goes to DATABASE_DIRECT_URL
    # (docs/operations.md#connections).
    database_pooling: Literal["direct", "transaction"] = "direct"
    database_direct_url: Annotated[
        str | None, keeps_every_host("DATABASE_DIRECT_URL"), CarriesSecret()
    ] = None
    db_schema: str = "public"
    db_pool_size: int = 10
    rabbitmq_url: SecretStr = SecretStr("amqp://guest:guest@127.0.0.1:5672/")
    # One URL per cluster node, comma-separated; when set, RABBITMQ_URL is not used.
    rabbitmq_urls: SecretStr | None = None
    # With Sentinel, REDIS_URL still gives the database number and credentials; its host is
    # ignored, since the master is wherever the sentinels say it is.
    redis_url: Annotated[str, CarriesSecret()] = "redis://127.0.0.1:6379/0"
    redis_key_prefix: str = "cp:"
    redis_sentinels: str = Field(default="", description="`host:port,...`; empty: no Sentinel.")
    redis_sentinel_master: str = ""
    redis_sentinel_password: SecretStr | None = None
    redis_socket_timeout: float = Field(
        default=2.0, gt=0, le=60, description="Seconds to connect to Redis, and for one answer."
    )

    events_exchange: str = "controlplane.events"
    queue_prefix: str = ""
    queue_expires_ms: int | None = Field(
        default=None, description="Delete idle queues after this long (tests only)."
    )
    retry_delays: Annotated[list[float], NoDecode] = [1.0, 5.0, 30.0]
    delivery_limit: int = 10
    consumer_prefetch: int = 32
    consumer_batch_size: int = Field(default=16, ge=1, le=1000)
    # Seconds a delivery whose handling meets the database or Redis away is held and tried
    # again in place, before its failures go through the retry tiers. Capped well below
    # RabbitMQ's consumer_timeout (30 min), past which the broker closes a channel that holds
    # an unacked delivery.
    consumer_outage_tolerance: float = Field(default=120.0, ge=0, le=1200)
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
        "redis_sentinel_password",
        "rabbitmq_urls",
        "database_direct_url",
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

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("REDIS_URL must be a redis://, rediss:// or unix:// URL")
        return value

    @field_validator("redis_sentinels")
    @classmethod
    def _sentinel_list(cls, value: str) -> str:
        try:
            parse_sentinels(value)
        except InvalidSentinels as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _sentinel_master_named(self) -> ServiceSettings:
        if self.sentinel_addresses and not self.redis_sentinel_master.strip():
            raise ValueError("REDIS_SENTINEL_MASTER must be set along with REDIS_SENTINELS")
        if self.sentinel_addresses and self.redis_url.startswith("unix://"):
            raise ValueError("REDIS_URL cannot be a unix:// socket when REDIS_SENTINELS is set")
        return self

    @property
    def sentinel_addresses(self) -> tuple[SentinelAddress, ...]:
        """The sentinels to ask for the master; empty when Redis is one fixed address."""
        return parse_sentinels(self.redis_sentinels)

    @model_validator(mode="after")
    def _usable_broker_nodes(self) -> ServiceSettings:
        variable = "RABBITMQ_URL" if self.rabbitmq_urls is None else "RABBITMQ_URLS"
        try:
            self._broker_urls()
        except BrokerNodesError as exc:
            raise ValueError(f"{variable} {exc}") from None
        return self

    @property
    def broker_urls(self) -> list[str]:
        """The broker's node URLs, in order (secrets: never log them, see `node_label`)."""
        return self._broker_urls()

    def _broker_urls(self) -> list[str]:
        if self.rabbitmq_urls is None:
            return [check_node(self.rabbitmq_url.get_secret_value())]  # a comma stays its own
        return parse_nodes(self.rabbitmq_urls.get_secret_value())

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

    @model_validator(mode="after")
    def _direct_url_beside_a_pooler(self) -> ServiceSettings:
        # Through a transaction-mode pooler LISTEN is accepted and then never hears a NOTIFY,
        # and a session-level advisory lock may be taken on one server connection and released
        # on another: the relay would only poll, and migrators would not wait for each other.
        direct = self.database_direct_url
        if self.database_pooling == "transaction" and direct in (None, self.database_url):
            raise ValueError(
                "DATABASE_POOLING=transaction needs DATABASE_DIRECT_URL: the server itself, "
                "not the pooler in DATABASE_URL (for LISTEN/NOTIFY and migrations)"
            )
        return self

    @property
    def direct_database_url(self) -> str:
        """The server itself, never a pooler: for what holds a session (LISTEN, migrations
        and their session-level lock, database setup). DATABASE_URL when no pooler is used."""
        return self.database_direct_url or self.database_url

    @property
    def asyncpg_dsn(self) -> str:
        """The database URL as plain asyncpg reads it (plain pools): every host kept."""
        return asyncpg_dsn(self.database_url)

    @property
    def asyncpg_direct_dsn(self) -> str:
        """`direct_database_url` as plain asyncpg reads it (the relay's LISTEN)."""
        return asyncpg_dsn(self.direct_database_url)


class JwtSettings(SettingsMixin):
    """Mixin for services that sign or verify tokens."""

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


class InternalApiSettings(SettingsMixin):
    """Mixin for the gateway (sends it) and lead-verifier (requires it on its staff reads)."""

    internal_api_token: SecretStr = Field(
        default=SecretStr(DEV_INTERNAL_API_TOKEN),
        description="Shared by tenant-api and lead-verifier: the gateway's credential for "
        "lead-verifier's internal routes.",
    )

    @model_validator(mode="after")
    def _real_internal_token(self) -> InternalApiSettings:
        token = self.internal_api_token.get_secret_value()
        if len(token) < 32:
            raise ValueError("INTERNAL_API_TOKEN must be at least 32 characters")
        production = getattr(self, "environment", "development") == "production"
        if production and token == DEV_INTERNAL_API_TOKEN:
            raise ValueError("INTERNAL_API_TOKEN must be set to a real secret in production")
        return self


class VerificationLinkSettings(SettingsMixin):
    """Mixin for the services that seal (lead-verifier) or open (notifier) verification links."""

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


class WebhookRunKeySettings(SettingsMixin):
    """Mixin for the services that seal (provisioner) or open (webhook-receiver) run secrets."""

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


class ApiKeyHandoverSettings(SettingsMixin):
    """Mixin for the services that seal (provisioner) or open (tenant-api) initial API keys."""

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
