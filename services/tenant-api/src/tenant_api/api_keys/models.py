"""What the API key routes take and answer. No answer but a new key's carries its secret."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from service_kit import api_keys as key_text
from shared_schemas.api.base import ApiModel
from tenant_api.domain.api_keys import (
    DEFAULT_OVERLAP,
    MAX_OVERLAP,
    MAX_SCOPES,
    ApiKey,
    KeyOrigin,
    KeyStatus,
    Refusal,
)
from tenant_api.web.actors import ActorOut
from tenant_api.web.listing import ItemList


class ApiKeyIn(ApiModel):
    """A new key: its secret is in the answer, once."""

    name: str = Field(min_length=1, max_length=100, description="What it is for.")
    scopes: list[str] | None = Field(
        default=None,
        max_length=100,
        description=f"At most {MAX_SCOPES}, each `^[a-z][a-z0-9:._-]{{0,63}}$`; "
        'default `["admin"]`.',
    )
    expires_in_days: int | None = Field(
        default=None, ge=1, le=3650, description="Default: it does not expire."
    )


class RotateIn(ApiModel):
    overlap_seconds: int = Field(
        default=int(DEFAULT_OVERLAP.total_seconds()),
        ge=0,
        le=int(MAX_OVERLAP.total_seconds()),
        description="How long the old key keeps working beside the new one (0: it stops now).",
    )


class ApiKeyOut(ApiModel):
    id: UUID
    tenant_id: UUID
    public_id: str = Field(description="The key's lookup id, inside it: `cpk_<publicId>_…`.")
    name: str
    scopes: list[str]
    status: KeyStatus = Field(description="`rotating`: a newer key replaces it at `expiresAt`.")
    origin: KeyOrigin
    created_at: datetime
    created_by: ActorOut | None = Field(description="Who made it; null: the system.")
    expires_at: datetime | None
    last_used_at: datetime | None = Field(description="Accurate to a minute.")
    revoked_at: datetime | None
    rotated_from: UUID | None


class NewApiKeyOut(ApiKeyOut):
    """Shown once: store `apiKey` now; only its hash is kept."""

    api_key: str


class ApiKeyList(ItemList[ApiKeyOut]):
    pass


class VerifyIn(ApiModel):
    api_key: str = Field(
        min_length=1, max_length=4 * key_text.MAX_LENGTH, description="The key to check."
    )


class KeyAccepted(ApiModel):
    """The key works: who it belongs to, what it may do, and the tenant's facts now."""

    active: Literal[True] = True
    key_id: UUID
    tenant_id: UUID
    tenant_key: str
    plan: str
    status: Literal["ACTIVE"] = "ACTIVE"
    scopes: list[str]
    config_generation: int = Field(
        description="Moves with every change of `GET /tenants/{id}/config`: re-read it when "
        "this differs from the one you hold."
    )
    expires_at: datetime | None


class KeyRefused(ApiModel):
    """The key does not work. `unknown`: no such key, or not its secret."""

    active: Literal[False] = False
    reason: Refusal


def key_out(key: ApiKey, now: datetime, *, replaced: bool) -> ApiKeyOut:
    return ApiKeyOut(
        id=key.id,
        tenant_id=key.tenant_id,
        public_id=key.public_id,
        name=key.name,
        scopes=list(key.scopes),
        status=key.status(now, replaced=replaced),
        origin=key.origin,
        created_at=key.created_at,
        created_by=None if key.created_by is None else ActorOut(**key.created_by.model_dump()),
        expires_at=key.expires_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
        rotated_from=key.rotated_from,
    )
