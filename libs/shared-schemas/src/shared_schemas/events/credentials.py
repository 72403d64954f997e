"""What happened to a tenant's third-party credentials in the vault: never a value of one.

Producer: tenant-api, in the transaction of the vault's change (or its refusal), with the caller
as `actor`. The vault's own `vault_audit` table keeps every decrypt besides.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared_schemas.envelope import EventV1
from shared_schemas.events.common import TenantScoped


class CredentialRef(TenantScoped):
    provider: str = Field(max_length=50)


class TenantCredentialStoredData(CredentialRef):
    created: bool = Field(description="true: the provider's first; false: it replaced one.")


class TenantCredentialStored(EventV1):
    """A provider's credential was stored for the tenant, or replaced."""

    type: Literal["tenant.credential_stored"] = "tenant.credential_stored"
    data: TenantCredentialStoredData


class TenantCredentialRevealedData(CredentialRef):
    allowed: bool = Field(
        description="false: the caller may not reveal; nothing was decrypted or shown."
    )


class TenantCredentialRevealed(EventV1):
    """Someone asked for a credential in plaintext: handed out, or refused (`allowed`)."""

    type: Literal["tenant.credential_revealed"] = "tenant.credential_revealed"
    data: TenantCredentialRevealedData


class TenantCredentialDeleted(EventV1):
    """A provider's credential was removed from the tenant's vault."""

    type: Literal["tenant.credential_deleted"] = "tenant.credential_deleted"
    data: CredentialRef
