"""What GET /tenants/{id}/config shows, read from PostgreSQL (the source of truth)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tenant_api.adapters.orm import plans, tenants
from tenant_api.tenants.repository import TenantRepository

# A config as JSON-ready values (snake_case): what Redis keeps, and what the answer is built of.
ConfigDocument = dict[str, Any]


class TenantConfigRepository:
    """`uow.configs`: a tenant's config, its generation and its feature flags."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def generation(self, tenant_id: UUID) -> int | None:
        """The tenant's committed config generation (a primary-key lookup); None: no such
        tenant."""
        query = select(tenants.c.config_generation).where(tenants.c.id == tenant_id)
        found: int | None = await self._session.scalar(query)
        return found

    async def load(self, tenant_id: UUID) -> ConfigDocument | None:
        """The tenant's config, read in one statement (so one snapshot).

        `generation` is the one the values belong to: they were all committed together.
        """
        query = (
            select(
                tenants.c.id,
                tenants.c.key,
                tenants.c.tier,
                tenants.c.status,
                tenants.c.domains,
                tenants.c.app_url,
                tenants.c.feature_flags,
                tenants.c.config_generation,
                plans.c.id.label("plan_id"),
                plans.c.name.label("plan_name"),
                plans.c.tiers.label("plan_tiers"),
                plans.c.price.label("plan_price"),
                plans.c.currency.label("plan_currency"),
                plans.c.billing_period.label("plan_billing_period"),
                plans.c.external_infrastructure.label("plan_external_infrastructure"),
                plans.c.limits.label("plan_limits"),
            )
            .join(plans, plans.c.id == tenants.c.plan_id)
            .where(tenants.c.id == tenant_id)
        )
        row = (await self._session.execute(query)).first()
        if row is None:
            return None
        return {
            "tenant_id": str(row.id),
            "key": row.key,
            "tier": row.tier,
            "plan_id": row.plan_id,
            "plan": {
                "id": row.plan_id,
                "name": row.plan_name,
                "tiers": list(row.plan_tiers),
                "price": f"{row.plan_price:.2f}",
                "currency": row.plan_currency,
                "billing_period": row.plan_billing_period,
                "external_infrastructure": row.plan_external_infrastructure,
                "limits": row.plan_limits,
            },
            "status": row.status,
            "domains": list(row.domains),
            "app_url": row.app_url,
            "feature_flags": row.feature_flags,
            "generation": row.config_generation,
        }

    async def lock_feature_flags(self, tenant_id: UUID) -> dict[str, Any] | None:
        """The tenant's feature flags, its row locked until the transaction ends; None: no such
        tenant."""
        tenant = await TenantRepository(self._session).lock(tenant_id)
        return None if tenant is None else dict(tenant.feature_flags)

    async def replace_feature_flags(self, tenant_id: UUID, flags: dict[str, Any]) -> None:
        """Through the tenants' one write, which bumps the config generation with it."""
        await TenantRepository(self._session).change(tenant_id, feature_flags=flags)
