"""notifier configuration (environment variables; see the README's table)."""

from __future__ import annotations

from pydantic import SecretStr, field_validator

from service_kit.settings import ServiceSettings


class NotifierSettings(ServiceSettings):
    service_name: str = "notifier"
    db_schema: str = "notifier"
    port: int = 8004

    # A secret because it may carry the SMTP password (smtp://user:pass@host:587).
    smtp_url: SecretStr | None = None
    smtp_timeout: float = 10.0
    mail_dir: str = "var/mail"
    mail_from: str = "Control Plane <no-reply@controlplane.local>"

    @field_validator("smtp_url", mode="before")
    @classmethod
    def _blank_means_unset(cls, value: object) -> object:
        # Never raise here: a validation error would echo the URL, password included.
        return None if isinstance(value, str) and not value.strip() else value
