"""Events of a tenant's initial admin API key: its handover, revocation and re-issue."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from shared_schemas.envelope import Contract, Envelope
from shared_schemas.events.common import Sealed


def api_key_handover_binding(api_key_id: UUID) -> str:
    """The associated data a sealed initial key is bound to: it opens for that key only."""
    return f"tenant.api_key_issued:v1:key:{api_key_id}"


class ApiKeyIssuedData(Contract):
    tenant_id: UUID
    api_key_id: UUID
    prefix: str = Field(max_length=12, description="The key's first characters (not secret).")
    key: Sealed = Field(
        description="The plaintext key, sealed for the provisioner and tenant-api "
        "(API_KEY_HANDOVER_KEYS; associated data: `api_key_handover_binding(api_key_id)`)."
    )
    expires_at: datetime = Field(description="It cannot be fetched after this.")


class ApiKeyIssued(Envelope):
    """Producer: provisioner. A tenant's initial admin key was made (by the credentials step,
    or a re-issue); tenant-api hands it out once through `GET /tenants/{id}/api-key`."""

    type: Literal["tenant.api_key_issued"] = "tenant.api_key_issued"
    version: Literal[1] = 1
    data: ApiKeyIssuedData


class ApiKeyRevokedData(Contract):
    tenant_id: UUID
    api_key_id: UUID
    expires_at: datetime = Field(
        description="When the key's handover would have expired: the revocation is remembered "
        "until then, so that an `api_key_issued` arriving later is not handed out."
    )


class ApiKeyRevoked(Envelope):
    """Producer: provisioner. The key no longer works; a handover not yet fetched is dropped."""

    type: Literal["tenant.api_key_revoked"] = "tenant.api_key_revoked"
    version: Literal[1] = 1
    data: ApiKeyRevokedData


class ApiKeyReissueRequestedData(Contract):
    tenant_id: UUID
    requested_by: str = Field(max_length=200)


class ApiKeyReissueRequested(Envelope):
    """Producer: tenant-api. An admin asked for a new initial admin key: the provisioner
    revokes the tenant's live one and issues another."""

    type: Literal["tenant.api_key_reissue_requested"] = "tenant.api_key_reissue_requested"
    version: Literal[1] = 1
    data: ApiKeyReissueRequestedData
