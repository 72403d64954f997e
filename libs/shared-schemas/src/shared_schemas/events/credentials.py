"""What happened to a tenant's third-party credentials in the vault: never a value of one.

Producer: tenant-api, in the transaction of the vault's change (or its refusal), with the caller
as `actor`. The vault's own `vault_audit` table keeps every decrypt besides.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from shared_schemas.envelope import Contract, Envelope


class CredentialRef(Contract):
    tenant_id: UUID
    provider: str = Field(max_length=50)


class TenantCredentialStoredData(CredentialRef):
    created: bool = Field(description="true: the provider's first; false: it replaced one.")


class TenantCredentialStored(Envelope):
    """A provider's credential was stored for the tenant, or replaced."""

    type: Literal["tenant.credential_stored"] = "tenant.credential_stored"
    version: Literal[1] = 1
    data: TenantCredentialStoredData


class TenantCredentialRevealedData(CredentialRef):
    allowed: bool = Field(
        description="false: the caller may not reveal; nothing was decrypted or shown."
    )


class TenantCredentialRevealed(Envelope):
    """Someone asked for a credential in plaintext: handed out, or refused (`allowed`)."""

    type: Literal["tenant.credential_revealed"] = "tenant.credential_revealed"
    version: Literal[1] = 1
    data: TenantCredentialRevealedData


class TenantCredentialDeleted(Envelope):
    """A provider's credential was removed from the tenant's vault."""

    type: Literal["tenant.credential_deleted"] = "tenant.credential_deleted"
    version: Literal[1] = 1
    data: CredentialRef
