"""Which steps a pipeline runs, and the checks of `preflight` (pure)."""

from __future__ import annotations

from shared_schemas.events import STEP_ORDER, PlanFacts, StepName, Tier


def plan_steps(tier: Tier, plan: PlanFacts, *, identity_driver: bool = False) -> list[StepName]:
    """Every step in order; `infrastructure` only where the plan (or, unset, the tier) wants it,
    `identity` only where the plan (or, unset, an identity driver other than `none`) wants it."""
    external = plan.external_infrastructure
    if external is None:
        external = tier is Tier.SILO
    identity = identity_driver if plan.identity is None else plan.identity
    left_out = {StepName.INFRASTRUCTURE: not external, StepName.IDENTITY: not identity}
    return [s for s in STEP_ORDER if not left_out.get(s, False)]


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
