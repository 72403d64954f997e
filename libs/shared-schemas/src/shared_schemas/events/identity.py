"""Events of a tenant's own OpenID client, registered by the `identity` step at the configured
provider (RFC 7591) and removed on compensation and offboarding (RFC 7592). Neither carries the
client's secret or its registration access token in plaintext."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from shared_schemas.envelope import Contract, EventV1
from shared_schemas.events.common import PipelineRef, Sealed, TenantScoped


def identity_client_binding(tenant_id: UUID) -> str:
    """The associated data the sealed secrets are bound to: they open for that tenant only."""
    return f"tenant.identity_client_registered:v1:tenant:{tenant_id}"


class IdentityClientSecrets(Contract):
    """The plaintext `IdentityClientRegisteredData.secrets` seals (as JSON)."""

    client_secret: str | None = Field(
        default=None, max_length=512, description="None for a public client."
    )
    registration_access_token: str = Field(
        max_length=2048, description="Manages (reads, updates, deletes) the registration."
    )
    registration_client_uri: str = Field(max_length=2048)


class IdentityClientRegisteredData(PipelineRef):
    issuer: str = Field(max_length=2048)
    client_id: str = Field(max_length=512)
    redirect_uris: list[str] = Field(max_length=20)
    registered_at: datetime
    secrets: Sealed = Field(
        description="`IdentityClientSecrets` as JSON, sealed for the provisioner and tenant-api "
        "(API_KEY_HANDOVER_KEYS; associated data: `identity_client_binding(tenant_id)`)."
    )


class IdentityClientRegistered(EventV1):
    """Producer: provisioner, by the `identity` step. tenant-api records the client (its users'
    tokens are then that tenant's) and keeps its secrets in the vault as `identity`."""

    type: Literal["tenant.identity_client_registered"] = "tenant.identity_client_registered"
    data: IdentityClientRegisteredData


class IdentityClientRemovedData(TenantScoped):
    issuer: str = Field(max_length=2048)
    client_id: str = Field(max_length=512)
    removed_at: datetime
    reason: Literal["compensated", "offboarded"]


class IdentityClientRemoved(EventV1):
    """Producer: provisioner, once the provider has deleted the registration (or no longer
    knows it). tenant-api stops accepting the client's tokens and drops its vault entry."""

    type: Literal["tenant.identity_client_removed"] = "tenant.identity_client_removed"
    data: IdentityClientRemovedData
