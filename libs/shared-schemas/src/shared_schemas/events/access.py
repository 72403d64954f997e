"""What suspending and reactivating a tenant did to its database access (producer: provisioner)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared_schemas.envelope import EventV1
from shared_schemas.events.common import TenantScoped


class TenantAccessData(TenantScoped):
    roles: list[str] = Field(
        description="The tenant's database roles this changed: logins turned off (suspended) "
        "or given back (restored). A role that could not log in before the suspension is "
        "neither."
    )


class TenantAccessSuspended(EventV1):
    """Producer: provisioner, after `tenant.suspended` (whose actor it carries). The tenant's
    database roles may not log in, and their open sessions were ended."""

    type: Literal["tenant.access_suspended"] = "tenant.access_suspended"
    data: TenantAccessData


class TenantAccessRestored(EventV1):
    """Producer: provisioner, after `tenant.reactivated` (whose actor it carries). The roles the
    suspension turned off may log in again."""

    type: Literal["tenant.access_restored"] = "tenant.access_restored"
    data: TenantAccessData
