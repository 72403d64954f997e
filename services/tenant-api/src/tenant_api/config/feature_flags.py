"""Replacing a tenant's feature flags: the one config write of its own (others come with the
tenant's status, domains or plan)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork

FlagValue = bool | int | float | str


async def set_feature_flags(
    tenant_id: UUID, flags: dict[str, FlagValue], uow: TenantApiUnitOfWork
) -> bool:
    """Replace the tenant's feature flags; the same flags again change nothing (so the
    generation stays). False: no such tenant."""
    current = await uow.configs.lock_feature_flags(tenant_id)
    if current is None:
        return False
    await uow.tenants.ensure_writable(tenant_id)  # read-only during an offboarding's grace
    if _canonical(current) != _canonical(flags):
        await uow.configs.replace_feature_flags(tenant_id, dict(flags))
    return True


def _canonical(flags: Mapping[str, Any]) -> str:
    # As JSON, not Python equality: `true` and `1` are different flag values.
    return json.dumps(flags, sort_keys=True)
