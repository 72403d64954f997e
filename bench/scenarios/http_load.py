"""A plain-HTTP scenario: wrk sends pre-rendered requests at full speed (closed loop) for the
run's duration; its latencies, answers by status and answers per second become the result."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.http_raw import write_requests
from bench.scenarios.base import Context
from bench.wrk_runner import WrkSettings, run_wrk


async def run_http_scenario(
    ctx: Context,
    *,
    name: str,
    url: str,
    requests: Iterable[bytes],
    expected: frozenset[int],
    params: dict[str, Any],
) -> dict[str, Any]:
    path: Path = ctx.workdir / f"{name}.requests"
    count = write_requests(path, requests)
    settings = WrkSettings(**{**asdict(ctx.options.wrk), "duration": ctx.options.duration})
    _, update = ctx.task(f"{name}: wrk -c{settings.connections}", settings.duration)

    def started(pid: int) -> None:
        ctx.roles[pid] = "load generator (wrk)"

    async with ctx.measuring() as measured:
        result = await run_wrk(
            settings,
            url,
            path,
            on_tick=lambda s: update(min(s, settings.duration)),
            on_start=started,
        )
    update(settings.duration)
    unexpected = {s: n for s, n in result.statuses.items() if s not in expected}
    socket_errors = sum(v for k, v in result.errors.items() if k != "status")
    good = sum(n for s, n in result.statuses.items() if s in expected)
    return {
        "params": {**params, "wrk": asdict(settings), "distinct_requests": count},
        "metrics": {
            "rps": round(good / result.duration_s, 1) if result.duration_s else 0.0,
            "p50_ms": result.latency_ms.get("p50"),
            "p95_ms": result.latency_ms.get("p95"),
            "p99_ms": result.latency_ms.get("p99"),
            "p99_9_ms": result.latency_ms.get("p99_9"),
            "max_ms": result.latency_ms.get("max"),
            "unexpected_answers": sum(unexpected.values()),
            "socket_errors": socket_errors,
        },
        "latency_ms": result.latency_ms,
        "requests": result.requests,
        "duration_s": result.duration_s,
        "statuses": {str(k): v for k, v in sorted(result.statuses.items())},
        "errors": result.errors,
        "wraps": result.wraps,
        "series": {"unit": "answers/s", "per_second": result.per_second},
        "wrk_report": result.text,
        "cpu": asdict(measured.cpu) if measured.cpu else None,
    }
