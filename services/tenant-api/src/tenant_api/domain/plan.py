"""A plan of the catalogue, and what the provisioner is told of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from shared_schemas.events import PlanFacts, Tier


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    tiers: tuple[str, ...]
    price: Decimal  # per billing period
    currency: str
    billing_period: Literal["monthly", "yearly"]
    external_infrastructure: bool | None  # None: the silo tier only
    limits: Mapping[str, Any]

    def facts(self) -> PlanFacts:
        """The plan as `tenant.provisioning_requested` carries it to the provisioner."""
        return PlanFacts(
            id=self.id,
            name=self.name,
            tiers=[Tier(t) for t in self.tiers],
            price=f"{self.price:.2f}",
            currency=self.currency,
            billing_period=self.billing_period,
            external_infrastructure=self.external_infrastructure,
        )
