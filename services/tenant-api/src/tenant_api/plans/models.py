"""The plan catalogue's API bodies (also part of a tenant's config answer)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field, field_serializer

from shared_schemas.api.base import ApiModel
from shared_schemas.events import Tier


class PlanOut(ApiModel):
    id: str
    name: str
    tiers: list[Tier] = Field(description="Tiers a tenant on this plan may use.")
    price: Decimal = Field(description="Per billing period, decimal as text, e.g. `49.00`.")
    currency: str
    billing_period: str = Field(description="`monthly` or `yearly`.")
    external_infrastructure: bool | None = Field(
        description="Whether provisioning runs the external infrastructure step; null: silo only."
    )
    limits: dict[str, Any]

    @field_serializer("price")
    def _price(self, value: Decimal) -> str:
        return f"{value:.2f}"


class PlanList(ApiModel):
    items: list[PlanOut]
    count: int
