from __future__ import annotations

import pytest

from provisioner.domain.plan import PreflightFailed, plan_steps, preflight
from provisioner.domain.status import retry_delay
from service_kit_testing import standard_plan
from shared_schemas.events import Tier

PLAN = standard_plan()


def test_silo_runs_the_external_step_and_pooled_does_not() -> None:
    assert plan_steps(Tier.SILO, PLAN) == [
        "preflight",
        "database",
        "credentials",
        "infrastructure",
        "billing",
    ]
    assert "infrastructure" not in plan_steps(Tier.POOLED, PLAN)


def test_plan_setting_overrides_the_tier_default() -> None:
    external = PLAN.model_copy(update={"external_infrastructure": True})
    internal = PLAN.model_copy(update={"external_infrastructure": False})
    assert "infrastructure" in plan_steps(Tier.POOLED, external)
    assert "infrastructure" not in plan_steps(Tier.SILO, internal)


def test_identity_follows_the_driver_unless_the_plan_says() -> None:
    assert plan_steps(Tier.POOLED, PLAN, identity_driver=True)[:3] == [
        "preflight",
        "database",
        "identity",
    ]
    assert "identity" not in plan_steps(Tier.POOLED, PLAN, identity_driver=False)
    without = PLAN.model_copy(update={"identity": False})
    assert "identity" not in plan_steps(Tier.SILO, without, identity_driver=True)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"tier": Tier.SILO, "plan": PLAN.model_copy(update={"tiers": [Tier.POOLED]})},
            "does not allow",
        ),
        ({"key": "admin"}, "reserved"),
        ({"key_in_use": True}, "held by another"),
        ({"tier": Tier.SILO, "silo_count": 5}, "no capacity"),
    ],
)
def test_preflight_refuses(overrides: dict[str, object], message: str) -> None:
    values: dict[str, object] = {
        "key": "acme",
        "tier": Tier.POOLED,
        "plan": PLAN,
        "reserved": ["admin"],
        "key_in_use": False,
        "silo_count": 0,
        "silo_capacity": 5,
    }
    values.update(overrides)
    with pytest.raises(PreflightFailed, match=message):
        preflight(**values)  # type: ignore[arg-type]


def test_preflight_passes_a_good_tenant() -> None:
    preflight(
        key="acme",
        tier=Tier.SILO,
        plan=PLAN,
        reserved=["admin"],
        key_in_use=False,
        silo_count=4,
        silo_capacity=5,
    )


def test_retry_delay_doubles() -> None:
    assert [retry_delay(n, 0.5) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
