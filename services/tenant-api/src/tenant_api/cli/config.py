"""What every tenantctl command may need before it talks to anyone: its error and its settings."""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_settings import SettingsError

from tenant_api.settings import TenantApiSettings


class CliError(Exception):
    """Printed as `tenantctl: <message>` with exit status 1."""


def settings() -> TenantApiSettings:
    try:
        return TenantApiSettings()
    except ValidationError as exc:
        raise CliError(f"invalid configuration: {exc.errors()[0]['msg']}") from exc
    except SettingsError as exc:  # a `<NAME>_FILE` that cannot be used; names no secret
        raise CliError(f"invalid configuration: {exc}") from exc
