"""The credential vault's API schemas: a credential in, masked or revealed out, the list."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import ConfigDict, Field, RootModel, StringConstraints, model_validator

from shared_schemas.api.base import ApiModel
from tenant_api.web.listing import ItemList

MAX_ENTRIES, MAX_VALUE_CHARS, MAX_TOTAL_BYTES = 20, 4096, 8192


class CredentialIn(RootModel[dict[str, str]]):
    """A small JSON object of strings, e.g. `{"clientId": "…", "clientSecret": "…"}`."""

    model_config = ConfigDict(
        json_schema_extra={
            "additionalProperties": False,  # names outside the pattern are refused
            "examples": [{"clientId": "app-123", "clientSecret": "s3cr3t-value"}],
        }
    )
    root: dict[
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")],
        Annotated[str, StringConstraints(min_length=1, max_length=MAX_VALUE_CHARS)],
    ] = Field(min_length=1, max_length=MAX_ENTRIES)

    @model_validator(mode="after")
    def _small(self) -> CredentialIn:
        size = sum(len(k.encode()) + len(v.encode()) for k, v in self.root.items())
        if size > MAX_TOTAL_BYTES:
            raise ValueError(f"names and values may hold {MAX_TOTAL_BYTES} bytes in all")
        return self


class CredentialOut(ApiModel):
    """One provider's credential: values masked (`ab…yz`, short ones `****`) unless revealed."""

    tenant_id: UUID
    provider: str
    masked: bool
    values: dict[str, str]
    created_at: datetime
    updated_at: datetime


class CredentialSummary(ApiModel):
    provider: str
    created_at: datetime
    updated_at: datetime


class CredentialList(ItemList[CredentialSummary]):
    """Which providers the tenant has credentials for; never their values."""
