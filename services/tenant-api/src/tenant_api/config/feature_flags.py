"""Replacing a tenant's feature flags: the one config write of its own (others come with the
tenant's status, domains or plan)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from shared_schemas import Actor
from shared_schemas.events import FlagValue
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.feature_flags import FlagChanges


async def set_feature_flags(
    tenant_id: UUID,
    flags: dict[str, FlagValue],
    uow: TenantApiUnitOfWork,
    *,
    actor: Actor,
    now: datetime,
) -> bool:
    """Replace the tenant's feature flags, with their `tenant.feature_flags_changed`; the same
    flags again change nothing (so the generation stays). False: no such tenant."""
    current = await uow.configs.lock_feature_flags(tenant_id)
    if current is None:
        return False
    await uow.tenants.ensure_writable(tenant_id)  # read-only during an offboarding's grace
    changed = FlagChanges.between(current, flags)
    if changed:
        await uow.configs.replace_feature_flags(tenant_id, dict(flags))
        generation = await uow.configs.generation(tenant_id)
        assert generation is not None, "the tenant is locked"
        await uow.outbox.add(changed.event(tenant_id, generation, now, actor))
    return True
