"""What each scenario should reach on the reference machine (2 cores), and whether it did."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_OPS: dict[str, Callable[[float, float], bool]] = {">=": operator.ge, "<=": operator.le}


@dataclass(frozen=True)
class Target:
    scenario: str
    metric: str
    op: str
    threshold: float
    label: str


TARGETS = (
    Target("saga", "pooled_tenants_per_s", ">=", 150, "pooled tenants/s to ACTIVE"),
    Target("saga", "not_active", "<=", 0, "tenants not ACTIVE"),
    Target("steady", "achieved_rate", ">=", 100, "provision requests/s sent (the set rate)"),
    Target("steady", "p99_ms", "<=", 1000, "p99 provision→ACTIVE at that rate (ms)"),
    Target("steady", "not_active", "<=", 0, "tenants not ACTIVE"),
    Target("webhooks", "rps", ">=", 2500, "accepted deliveries/s"),
    Target("webhooks", "p99_ms", "<=", 50, "p99 (ms)"),
    Target("config", "rps", ">=", 8000, "requests/s"),
    Target("config", "p99_ms", "<=", 10, "p99 (ms)"),
    Target("signup", "rps", ">=", 2000, "sign-ups/s"),
)


def evaluate(scenarios: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per target of a scenario that ran; `met` is None when the value is missing."""
    rows = []
    for target in TARGETS:
        result = scenarios.get(target.scenario)
        if result is None or "metrics" not in result:
            continue
        value = result["metrics"].get(target.metric)
        met = None if value is None else _OPS[target.op](float(value), target.threshold)
        rows.append(
            {
                "scenario": target.scenario,
                "metric": target.metric,
                "label": target.label,
                "target": f"{target.op} {target.threshold:g}",
                "value": value,
                "met": met,
            }
        )
    return rows
