"""provisioner configuration (environment variables; see the README's table)."""

from __future__ import annotations

from service_kit.settings import ServiceSettings


class ProvisionerSettings(ServiceSettings):
    service_name: str = "provisioner"
    db_schema: str = "provisioner"
    port: int = 8002
