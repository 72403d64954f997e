"""A tenant's database login: when its password may be rotated, and how its connection is kept
in the vault."""

from __future__ import annotations

from shared_schemas.events import DatabaseConnection
from tenant_api.domain.errors import DomainError
from tenant_api.domain.status import TenantStatus

# The vault provider the provisioner's handover is stored under.
PROVIDER = "database"


class PasswordNotRotatable(DomainError):
    """The tenant is not ACTIVE: its login is not rotated (409)."""

    def __init__(self, status: TenantStatus) -> None:
        super().__init__(
            f"The tenant is {status.value}; a database password is rotated only for an ACTIVE "
            "tenant."
        )
        self.status = status


def ensure_rotatable(status: TenantStatus) -> None:
    if status is not TenantStatus.ACTIVE:
        raise PasswordNotRotatable(status)


def vault_values(connection: DatabaseConnection) -> dict[str, str]:
    """The connection as the vault's string values; what a tier does not use is left out."""
    fields = connection.model_dump(mode="json", exclude_none=True)
    return {name: str(value) for name, value in fields.items()}
