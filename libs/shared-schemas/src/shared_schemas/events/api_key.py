"""Events of a tenant's API keys: the initial key's handover and re-issue, keys created and rotated
through the API, and any key's revocation. None carries a key in plaintext."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from shared_schemas.envelope import EventV1
from shared_schemas.events.common import Sealed, TenantScoped

PUBLIC_ID = r"^[a-z2-7]{12}$"
SCOPE = r"^[a-z][a-z0-9:._-]{0,63}$"


def api_key_handover_binding(api_key_id: UUID) -> str:
    """The associated data a sealed initial key is bound to: it opens for that key only."""
    return f"tenant.api_key_issued:v1:key:{api_key_id}"


class ApiKeyRef(TenantScoped):
    api_key_id: UUID


class ApiKeyIssuedData(ApiKeyRef):
    prefix: str = Field(max_length=12, description="The key's first characters (not secret).")
    key: Sealed = Field(
        description="The plaintext key, sealed for the provisioner and tenant-api "
        "(API_KEY_HANDOVER_KEYS; associated data: `api_key_handover_binding(api_key_id)`)."
    )
    expires_at: datetime = Field(description="It cannot be fetched after this.")
    public_id: str | None = Field(
        default=None,
        pattern=PUBLIC_ID,
        description="The key's lookup id (`cpk_<publicId>_<secret>`); absent for a key in the "
        "earlier `cp_` shape, which tenant-api does not register.",
    )
    key_hash: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the whole key, hex."
    )
    scopes: list[Annotated[str, Field(pattern=SCOPE)]] | None = Field(
        default=None, max_length=20, description='What the key may do (`["admin"]`).'
    )


class ApiKeyIssued(EventV1):
    """Producer: provisioner. A tenant's initial admin key was made (by the credentials step,
    or a re-issue); tenant-api hands it out once through `GET /tenants/{id}/api-key` and, when
    the event carries `public_id` and `key_hash`, registers it so that it verifies."""

    type: Literal["tenant.api_key_issued"] = "tenant.api_key_issued"
    data: ApiKeyIssuedData


class ApiKeyRevokedData(ApiKeyRef):
    expires_at: datetime = Field(
        description="When the key's handover would have expired: the revocation is remembered "
        "until then, so that an `api_key_issued` arriving later is not handed out (tenant-api, "
        "revoking a key itself: the moment of the revocation)."
    )


class ApiKeyRevoked(EventV1):
    """Producers: provisioner (the initial key: compensation, offboarding, re-issue) and
    tenant-api (`DELETE /tenants/{id}/api-keys/{keyId}`). The key no longer works; a handover
    not yet fetched is dropped."""

    type: Literal["tenant.api_key_revoked"] = "tenant.api_key_revoked"
    data: ApiKeyRevokedData


class ApiKeyReissueRequestedData(TenantScoped):
    requested_by: str = Field(max_length=200)


class ApiKeyReissueRequested(EventV1):
    """Producer: tenant-api. An admin asked for a new initial admin key: the provisioner
    revokes the tenant's live one and issues another."""

    type: Literal["tenant.api_key_reissue_requested"] = "tenant.api_key_reissue_requested"
    data: ApiKeyReissueRequestedData


class ApiKeyFacts(ApiKeyRef):
    """What a key is, without its secret."""

    public_id: str = Field(pattern=PUBLIC_ID, description="The key's lookup id (not secret).")
    name: str = Field(max_length=100)
    scopes: list[Annotated[str, Field(pattern=SCOPE)]] = Field(max_length=20)
    expires_at: datetime | None = Field(description="None: it does not expire.")


class ApiKeyCreated(EventV1):
    """Producer: tenant-api. A key was created through the API (shown once to its creator)."""

    type: Literal["tenant.api_key_created"] = "tenant.api_key_created"
    data: ApiKeyFacts


class ApiKeyRotatedData(ApiKeyFacts):
    rotated_from: UUID = Field(description="The key it replaces, still usable until...")
    old_expires_at: datetime = Field(description="...this: the end of the overlap.")


class ApiKeyRotated(EventV1):
    """Producer: tenant-api. A key was replaced by a new one with the same name and scopes;
    both work until the old one expires at the end of the overlap."""

    type: Literal["tenant.api_key_rotated"] = "tenant.api_key_rotated"
    data: ApiKeyRotatedData
