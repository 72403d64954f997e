"""What suspending and reactivating a tenant did to its database access (producer: provisioner)."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from shared_schemas.envelope import Contract, Envelope


class TenantAccessData(Contract):
    tenant_id: UUID
    roles: list[str] = Field(
        description="The tenant's database roles this changed: logins turned off (suspended) "
        "or given back (restored). A role that could not log in before the suspension is "
        "neither."
    )


class TenantAccessSuspended(Envelope):
    """Producer: provisioner, after `tenant.suspended` (whose actor it carries). The tenant's
    database roles may not log in, and their open sessions were ended."""

    type: Literal["tenant.access_suspended"] = "tenant.access_suspended"
    version: Literal[1] = 1
    data: TenantAccessData


class TenantAccessRestored(Envelope):
    """Producer: provisioner, after `tenant.reactivated` (whose actor it carries). The roles the
    suspension turned off may log in again."""

    type: Literal["tenant.access_restored"] = "tenant.access_restored"
    version: Literal[1] = 1
    data: TenantAccessData
