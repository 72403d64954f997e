"""A tenant's own OpenID client, as the provisioner registered it, and how it is kept in the
vault."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from shared_schemas.events import IdentityClientSecrets

# The vault provider the client's secrets are stored under.
PROVIDER = "identity"


@dataclass(frozen=True)
class IdentityClient:
    tenant_id: UUID
    issuer: str
    client_id: str
    redirect_uris: list[str]
    registered_at: datetime


def vault_values(issuer: str, client_id: str, secrets: IdentityClientSecrets) -> dict[str, str]:
    """The client as the vault's string values; a public client has no secret to keep."""
    values = {
        "issuer": issuer,
        "client_id": client_id,
        "registration_access_token": secrets.registration_access_token,
        "registration_client_uri": secrets.registration_client_uri,
    }
    if secrets.client_secret is not None:
        values["client_secret"] = secrets.client_secret
    return values
