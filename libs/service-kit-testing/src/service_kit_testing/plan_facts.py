"""The plan a provisioning request carries, as tenant-api's seeded "standard" plan has it."""

from __future__ import annotations

from shared_schemas.events import PlanFacts, Tier


def standard_plan(*tiers: Tier) -> PlanFacts:
    """The "standard" plan (49.00 USD a month) offered in `tiers`, both tiers when none."""
    return PlanFacts(
        id="standard",
        name="Standard",
        tiers=list(tiers or (Tier.POOLED, Tier.SILO)),
        price="49.00",
        currency="USD",
        billing_period="monthly",
    )
