"""notifier configuration (environment variables; see the README's table)."""

from __future__ import annotations

import re

from pydantic import SecretStr, field_validator

from service_kit.exports import ExportSettings
from service_kit.settings import ServiceSettings, VerificationLinkSettings

_BARE_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+")


class NotifierSettings(ServiceSettings, VerificationLinkSettings, ExportSettings):
    service_name: str = "notifier"
    db_schema: str = "notifier"
    port: int = 8004
    # A failing send records itself on a second connection: stay well inside the pool.
    consumer_prefetch: int = 8

    # A secret because it may carry the SMTP password (smtp://user:pass@host:587).
    smtp_url: SecretStr | None = None
    smtp_timeout: float = 10.0
    mail_dir: str = "var/mail"
    mail_from: str = "Control Plane <no-reply@controlplane.local>"
    # Where the operators' alerts go (a failed provisioning): one bare address.
    ops_email: str = "ops@controlplane.local"
    # The welcome e-mail links to `{APP_BASE_URL}/{key}` when the pipeline reported no app URL.
    app_base_url: str = "http://localhost:3000"

    @field_validator("smtp_url", mode="before")
    @classmethod
    def _blank_means_unset(cls, value: object) -> object:
        # Never raise here: a validation error would echo the URL, password included.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("ops_email")
    @classmethod
    def _one_bare_address(cls, value: str) -> str:
        # Refused at start-up rather than by the first alert, which would retry into the DLQ.
        value = value.strip()
        if not _BARE_ADDRESS.fullmatch(value):
            raise ValueError("OPS_EMAIL must be one bare address, like ops@example.com")
        return value

    @field_validator("app_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("APP_BASE_URL must be an http:// or https:// URL")
        return value.rstrip("/")
