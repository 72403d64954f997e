"""Reading wrk's report and the JSON line bench/wrk/cycle.lua prints."""

from __future__ import annotations

import pytest

from bench.wrk_runner import WrkSettings, command, parse_json_line, parse_text

OUTPUT = """\
Running 2s test @ http://127.0.0.1:18999/
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.43ms    1.56ms  14.38ms   78.98%
    Req/Sec   848.92    393.10     1.49k    67.50%
  Latency Distribution
     50%  870.00us
     75%    3.13ms
     90%    4.72ms
     99%    1.20s
  3382 requests in 2.00s, 2.95MB read
  Socket errors: connect 0, read 3, write 0, timeout 7
  Non-2xx or 3xx responses: 2429
Requests/sec:   1689.62
Transfer/sec:      1.47MB
BENCH_JSON {"duration_us": 2001634, "requests": 3382, "bytes": 3090166, \
"errors": {"connect": 0, "read": 3, "write": 0, "status": 2429, "timeout": 7}, \
"latency_us": {"min": 400, "mean": 2428.2, "max": 14376, "stdev": 1560.3, \
"percentiles": {"50": 1867, "75": 3135, "90": 4721, "95": 5621, "99": 7470, "99.9": 9825}}, \
"statuses": {"200": 953, "404": 2429}, \
"per_second": {"1795438604": 360, "1795438602": 1384}, "wraps": 677}
"""


def test_the_script_line_gives_latency_in_ms_statuses_and_a_gapless_series() -> None:
    result = parse_json_line(OUTPUT)
    assert result.requests == 3382
    assert result.duration_s == pytest.approx(2.001634)
    assert result.rps == pytest.approx(3382 / 2.001634)
    assert result.latency_ms["p50"] == pytest.approx(1.867)
    assert result.latency_ms["p99"] == pytest.approx(7.47)
    assert result.latency_ms["p99_9"] == pytest.approx(9.825)
    assert result.latency_ms["mean"] == pytest.approx(2.4282)
    assert result.statuses == {200: 953, 404: 2429}
    assert result.errors == {"connect": 0, "read": 3, "write": 0, "status": 2429, "timeout": 7}
    # Seconds come unordered, one missing in between: the series fills it with 0.
    assert result.per_second == [1384, 0, 360]
    assert result.wraps == 677


def test_wrk_own_report_is_read_with_its_units() -> None:
    text = parse_text(OUTPUT)
    assert text["rps"] == pytest.approx(1689.62)
    assert text["requests"] == 3382
    assert text["latency_ms"] == {
        "p50": pytest.approx(0.87),
        "p75": pytest.approx(3.13),
        "p90": pytest.approx(4.72),
        "p99": pytest.approx(1200.0),
    }
    assert text["socket_errors"] == {"connect": 0, "read": 3, "write": 0, "timeout": 7}
    assert text["non_2xx_3xx"] == 2429


def test_output_without_the_script_line_is_an_error() -> None:
    with pytest.raises(ValueError, match="no result line"):
        parse_json_line(OUTPUT.split("BENCH_JSON")[0])


def test_the_command_runs_the_cycling_script_with_latency() -> None:
    argv = command(WrkSettings(threads=2, connections=64, duration=5), "http://127.0.0.1:1/")
    assert argv[:4] == ["wrk", "-t2", "-c64", "-d5s"]
    assert "--latency" in argv
    assert argv[argv.index("-s") + 1].endswith("bench/wrk/cycle.lua")
