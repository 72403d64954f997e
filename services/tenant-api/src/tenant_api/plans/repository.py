"""Reading the plan catalogue (seeded by migration 0002)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared_schemas.events import PlanFacts, Tier
from tenant_api.adapters.orm import plans


async def get(session: AsyncSession, plan_id: str) -> Row[Any] | None:
    return (await session.execute(select(plans).where(plans.c.id == plan_id))).first()


async def list_all(session: AsyncSession) -> list[Row[Any]]:
    return list((await session.execute(select(plans).order_by(plans.c.price, plans.c.id))).all())


def facts(plan: Row[Any]) -> PlanFacts:
    """The plan as `tenant.provisioning_requested` carries it to the provisioner."""
    return PlanFacts(
        id=plan.id,
        name=plan.name,
        tiers=[Tier(t) for t in plan.tiers],
        price=f"{plan.price:.2f}",
        currency=plan.currency,
        billing_period=plan.billing_period,
        external_infrastructure=plan.external_infrastructure,
    )
