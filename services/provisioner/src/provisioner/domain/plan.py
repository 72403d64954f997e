"""Which steps a pipeline runs, and the checks of `preflight` (pure)."""

from __future__ import annotations

from shared_schemas.events import STEP_ORDER, PlanFacts, StepName, Tier


def plan_steps(tier: Tier, plan: PlanFacts) -> list[StepName]:
    """Every step in order; `infrastructure` only where the plan (or, unset, the tier) wants it."""
    external = plan.external_infrastructure
    if external is None:
        external = tier is Tier.SILO
    return [s for s in STEP_ORDER if s is not StepName.INFRASTRUCTURE or external]


class PreflightFailed(Exception):
    """A reason the tenant can not be provisioned at all (no retry will help)."""


def preflight(
    *,
    key: str,
    tier: Tier,
    plan: PlanFacts,
    reserved: list[str],
    key_in_use: bool,
    silo_count: int,
    silo_capacity: int,
) -> None:
    if tier not in plan.tiers:
        raise PreflightFailed(f"plan {plan.id!r} does not allow the {tier.value} tier")
    if key in reserved:
        raise PreflightFailed(f"the key {key!r} is reserved")
    if key_in_use:
        raise PreflightFailed(f"the key {key!r} is held by another tenant's resources")
    if tier is Tier.SILO and silo_count >= silo_capacity:
        raise PreflightFailed(f"no capacity: {silo_count} of {silo_capacity} silo tenants")
