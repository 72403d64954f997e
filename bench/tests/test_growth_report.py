"""The growth table's ratio: above 1 is worse, for times and for rates alike."""

from __future__ import annotations

from bench.growth.report import FIGURES, rows
from bench.growth.volumes import Volumes


def _phase(ms: float, rps: float) -> dict[str, object]:
    timings = {"median_ms": ms, "server_ms": ms}
    return {
        **{f.phase_key: timings for f in FIGURES if f.phase_key not in ("saga",)},
        "tenants_by_key_prefix_wrk": {"rps": rps},
        "saga": {"postgres_cpu_ms_per_tenant": ms, "tenants_per_s": rps},
    }


def test_slower_times_and_lower_rates_both_give_ratios_above_one() -> None:
    table = {row["figure"]: row for row in rows(_phase(2.0, 300.0), _phase(30.0, 30.0))}
    assert table["preflight"]["ratio"] == 15.0
    assert table["preflight"]["within_goal"] is False
    assert table["tenants_by_key_prefix_rps"]["ratio"] == 10.0
    assert table["saga_throughput"]["ratio"] == 10.0


def test_times_under_a_tenth_of_a_millisecond_count_as_flat() -> None:
    table = {row["figure"]: row for row in rows(_phase(0.01, 300.0), _phase(0.03, 290.0))}
    assert table["credentials_key_postgres"]["ratio"] == 1.0
    assert table["tenants_by_key_prefix_rps"]["within_goal"] is True


def test_a_missing_figure_has_no_ratio_rather_than_a_wrong_one() -> None:
    table = rows({}, _phase(1.0, 1.0))
    assert all(row["ratio"] is None and row["within_goal"] is None for row in table)


def test_scale_multiplies_every_count_but_the_timeline_per_tenant() -> None:
    tiny = Volumes.at(0.01)
    assert (tiny.tenants, tiny.outbox, tiny.inbox) == (1_000, 10_000, 20_000)
    assert tiny.timeline_per_tenant == Volumes().timeline_per_tenant
    assert Volumes.at(0.000001).dead_letters == 1  # never an empty table


def test_a_figure_the_code_no_longer_offers_says_why_and_has_no_ratio() -> None:
    seeded = _phase(1.0, 1.0)
    seeded["preflight"] = {"error": "AttributeError('count_open')"}
    table = {row["figure"]: row for row in rows(_phase(1.0, 1.0), seeded)}
    assert table["preflight"]["ratio"] is None
    assert table["preflight"]["errors"] == ["AttributeError('count_open')"]
    assert table["credentials_key"]["errors"] == []
