"""Events of a tenant's database login: its connection handed over sealed, and a request to
rotate its password. Neither carries a password in plaintext."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from shared_schemas.envelope import Contract, EventV1
from shared_schemas.events.common import Sealed, TenantScoped


def database_credentials_binding(tenant_id: UUID) -> str:
    """The associated data a sealed connection is bound to: it opens for that tenant only."""
    return f"tenant.database_credentials_issued:v1:tenant:{tenant_id}"


class DatabaseConnection(Contract):
    """What a tenant connects with: the plaintext that `DatabaseCredentialsIssuedData.connection`
    seals (as JSON)."""

    host: str = Field(max_length=255)
    port: int = Field(ge=1, le=65535)
    database: str = Field(max_length=63)
    role: str = Field(max_length=63)
    password: str = Field(max_length=128)
    schema_name: str | None = Field(
        default=None, max_length=63, description="Silo: the tenant's own schema."
    )
    pooled_table: str | None = Field(
        default=None, max_length=127, description="Pooled: the table whose rows it may use."
    )
    row_tenant_id: UUID | None = Field(
        default=None, description="Pooled: the `tenant_id` its rows carry (its policy's)."
    )
    issued_at: datetime = Field(description="When this password was set: newer replaces older.")


class DatabaseCredentialsIssuedData(TenantScoped):
    connection: Sealed = Field(
        description="A `DatabaseConnection` as JSON, sealed for the provisioner and tenant-api "
        "(API_KEY_HANDOVER_KEYS; associated data: `database_credentials_binding(tenant_id)`)."
    )


class DatabaseCredentialsIssued(EventV1):
    """Producer: provisioner, after the database step and after each password rotation.
    tenant-api keeps the connection in its vault as the tenant's `database` credential."""

    type: Literal["tenant.database_credentials_issued"] = "tenant.database_credentials_issued"
    data: DatabaseCredentialsIssuedData


class DatabasePasswordRotationRequestedData(TenantScoped):
    requested_by: str = Field(max_length=200)


class DatabasePasswordRotationRequested(EventV1):
    """Producer: tenant-api (`POST /tenants/{id}/database/rotate-password`). The provisioner
    sets a new password on the tenant's login role and issues its connection again; the
    event's id is remembered, so a redelivery does not rotate twice."""

    type: Literal["tenant.database_password_rotation_requested"] = (
        "tenant.database_password_rotation_requested"
    )
    data: DatabasePasswordRotationRequestedData
