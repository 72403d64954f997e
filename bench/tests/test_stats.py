"""The percentile and series arithmetic the whole report rests on."""

from __future__ import annotations

import pytest

from bench.stats import cpu_ms_per_operation, per_second, percentile, summarise


def test_percentiles_interpolate_between_ranks_like_numpy() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100, shuffled order must not matter
    values.reverse()
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0


def test_a_percentile_of_nothing_or_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)
    with pytest.raises(ValueError, match="outside"):
        percentile([1.0], 101)


def test_summary_names_each_percentile_and_is_empty_without_values() -> None:
    summary = summarise([10.0, 20.0, 30.0, 40.0])
    assert summary["count"] == 4
    assert summary["mean"] == 25.0
    assert summary["p50"] == 25.0
    assert summary["p99"] == pytest.approx(39.7)
    assert summarise([]) == {
        "count": 0,
        "mean": None,
        "min": None,
        "max": None,
        "p50": None,
        "p90": None,
        "p95": None,
        "p99": None,
    }


def test_per_second_buckets_from_the_start_and_pads_to_the_end() -> None:
    times = [100.1, 100.9, 101.5, 103.0, 99.0]  # 99.0 is before the start: dropped
    assert per_second(times, start=100.0) == [2, 1, 0, 1]
    assert per_second(times, start=100.0, end=106.0) == [2, 1, 0, 1, 0, 0]
    assert per_second(times, start=100.0, end=102.0) == [2, 1]


def test_cpu_per_operation_is_the_cpu_share_over_the_throughput() -> None:
    # Half a core at 500 requests/s: 1 ms of CPU per request.
    shares = {"tenant-api": 50.0, "redis": 0.5, "other": 80.0}
    assert cpu_ms_per_operation(shares, 500.0) == {"tenant-api": 1.0}
    assert cpu_ms_per_operation(shares, 0.0) == {}
