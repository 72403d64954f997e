"""webhook-receiver configuration (environment variables; see the README's table)."""

from __future__ import annotations

from pydantic import Field, model_validator

from service_kit.client_ip import TrustedProxies
from service_kit.settings import JwtSettings, ServiceSettings, WebhookRunKeySettings


class WebhookReceiverSettings(ServiceSettings, JwtSettings, WebhookRunKeySettings):
    """Webhook limits, the JWT settings that guard the operators' read route, and the keys
    that open the runs' secrets."""

    service_name: str = "webhook-receiver"
    db_schema: str = "webhook_receiver"
    port: int = 8003

    # The kit's cap answers 413 before any route runs, so no receipt would be stored; it is set
    # well above WEBHOOK_MAX_BYTES so that the webhook routes see (and record) oversized bodies.
    # They never read past WEBHOOK_MAX_BYTES, whatever a sender declares.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1)
    webhook_max_bytes: int = Field(default=64 * 1024, ge=1)
    webhook_tolerance_seconds: int = Field(default=300, ge=1)
    webhook_nonce_ttl: int = Field(default=86400, ge=1)
    # Per sender: the tenant id the body claims (initiatorId), else the client IP.
    webhook_max_per_window: int = Field(default=120, ge=1)
    webhook_window_seconds: float = Field(default=60.0, gt=0)
    trusted_proxies: TrustedProxies = ()
    webhook_receipt_retention_days: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _consistent_limits(self) -> WebhookReceiverSettings:
        if self.max_body_bytes <= self.webhook_max_bytes:
            raise ValueError("MAX_BODY_BYTES must exceed WEBHOOK_MAX_BYTES")
        if self.webhook_nonce_ttl <= 2 * self.webhook_tolerance_seconds:
            # A replay must stay remembered for as long as its timestamp could still pass.
            raise ValueError("WEBHOOK_NONCE_TTL must exceed twice WEBHOOK_TOLERANCE_SECONDS")
        if self.webhook_receipt_retention_days * 86400 <= self.webhook_nonce_ttl:
            # An accepted receipt answers a repeat of its delivery: keep it while the nonce is.
            raise ValueError("WEBHOOK_RECEIPT_RETENTION_DAYS must outlast WEBHOOK_NONCE_TTL")
        return self
