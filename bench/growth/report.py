"""The scenario's answer: each figure on the empty and on the seeded database, and their ratio
(how many times worse the seeded one is; flat means within GOAL)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GOAL = 1.5
# Times below this count as this much in a ratio: a look-up of 0.01 ms that takes 0.03 ms on
# a deeper index is flat for any caller, not three times worse.
FLOOR_MS = 0.1


@dataclass(frozen=True)
class Figure:
    name: str
    label: str
    unit: str  # "ms" (lower is better) or "rps", "tenants/s" (higher is better)
    phase_key: str  # where a phase's measurements keep it
    statistic: str = "median_ms"

    @property
    def higher_is_better(self) -> bool:
        return self.unit != "ms"


FIGURES = (
    Figure("preflight", "provisioner preflight (name check, silo count)", "ms", "preflight"),
    Figure("credentials_key", "credentials step: api_keys by pipeline", "ms", "credentials_key"),
    Figure("tenants_by_key_prefix", "GET /tenants?keyPrefix=", "ms", "tenants_by_key_prefix"),
    Figure(
        "tenants_by_key_prefix_rps",
        "GET /tenants?keyPrefix= under wrk",
        "rps",
        "tenants_by_key_prefix_wrk",
        "rps",
    ),
    Figure(
        "dead_letters_by_tenant",
        "GET /admin/dead-letters?tenantId=",
        "ms",
        "dead_letters_by_tenant",
    ),
    Figure(
        "dead_letters_deep_page", "dead letters, deep cursor page", "ms", "dead_letters_deep_page"
    ),
    Figure("pipelines_gauge", "pipelines{status} gauge refresh", "ms", "pipelines_gauge"),
    Figure("relay_poll", "relay poll after a burst", "ms", "relay_poll"),
    Figure(
        "preflight_postgres",
        "preflight: its statements in PostgreSQL",
        "ms",
        "preflight",
        "server_ms",
    ),
    Figure(
        "credentials_key_postgres",
        "credentials key look-up in PostgreSQL",
        "ms",
        "credentials_key",
        "server_ms",
    ),
    Figure(
        "pipelines_gauge_postgres",
        "gauge refresh in PostgreSQL",
        "ms",
        "pipelines_gauge",
        "server_ms",
    ),
    Figure(
        "relay_poll_postgres",
        "relay poll after a burst in PostgreSQL",
        "ms",
        "relay_poll",
        "server_ms",
    ),
    Figure(
        "webhook_deliveries", "GET /webhooks/deliveries (newest 50)", "ms", "webhook_deliveries"
    ),
    Figure("tenant_by_id", "GET /tenants/{id} (flat before)", "ms", "tenant_by_id"),
    Figure("timeline_page", "GET /tenants/{id}/events (flat before)", "ms", "timeline_page"),
    Figure(
        "saga_postgres_cpu",
        "saga: PostgreSQL CPU per tenant",
        "ms",
        "saga",
        "postgres_cpu_ms_per_tenant",
    ),
    Figure("saga_throughput", "saga: tenants/s to ACTIVE", "tenants/s", "saga", "tenants_per_s"),
)


def value(phase: dict[str, Any], figure: Figure) -> float | None:
    found = phase.get(figure.phase_key, {}).get(figure.statistic)
    return None if found is None else float(found)


def ratio(empty: float | None, seeded: float | None, figure: Figure) -> float | None:
    """Seeded over empty for times, empty over seeded for rates: above 1 is worse."""
    if empty is None or seeded is None:
        return None
    if not figure.higher_is_better:
        empty, seeded = max(empty, FLOOR_MS), max(seeded, FLOOR_MS)
    worse, better = (empty, seeded) if figure.higher_is_better else (seeded, empty)
    return round(worse / better, 2) if better > 0 else None


def rows(empty: dict[str, Any], seeded: dict[str, Any]) -> list[dict[str, Any]]:
    table = []
    for figure in FIGURES:
        before, after = value(empty, figure), value(seeded, figure)
        times = ratio(before, after, figure)
        table.append(
            {
                "figure": figure.name,
                "label": figure.label,
                "unit": figure.unit,
                "empty": before,
                "seeded": after,
                "ratio": times,
                "within_goal": None if times is None else times <= GOAL,
                "errors": [
                    phase[figure.phase_key]["error"]
                    for phase in (empty, seeded)
                    if "error" in phase.get(figure.phase_key, {})
                ],
            }
        )
    return table
