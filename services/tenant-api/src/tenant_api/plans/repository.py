"""Reading the plan catalogue (seeded by migration 0002)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.rows import from_row
from tenant_api.adapters.orm import plans
from tenant_api.domain.plan import Plan


class PlanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, plan_id: str) -> Plan | None:
        row = (await self._session.execute(select(plans).where(plans.c.id == plan_id))).first()
        return None if row is None else _plan(row)

    async def list_all(self) -> list[Plan]:
        query = select(plans).order_by(plans.c.price, plans.c.id)
        return [_plan(row) for row in (await self._session.execute(query)).all()]


def _plan(row: Row[Any]) -> Plan:
    return from_row(Plan, row, tiers=tuple(row.tiers))
