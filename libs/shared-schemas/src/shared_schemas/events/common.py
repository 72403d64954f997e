"""Value objects that several events carry."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from pydantic import EmailStr, Field

from shared_schemas.envelope import Contract


class Tier(StrEnum):
    POOLED = "pooled"
    SILO = "silo"


class Address(Contract):
    address: str = Field(max_length=200)
    city: str = Field(max_length=100)
    state: str | None = Field(default=None, max_length=100)
    zip: str | None = Field(default=None, max_length=20)
    country: str = Field(max_length=100)


class Contact(Contract):
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    email: EmailStr


class Sealed(Contract):
    """A secret sealed with AES-GCM for the services that hold the key named by `key_id`."""

    key_id: str = Field(max_length=32, description="Which configured key sealed it.")
    nonce: str = Field(max_length=64, description="Base64url, 12 bytes.")
    ciphertext: str = Field(max_length=4096, description="Base64url ciphertext and tag.")


class TenantScoped(Contract):
    """A body about one tenant: it names the tenant first."""

    tenant_id: UUID


class PipelineRef(TenantScoped):
    pipeline_id: UUID
