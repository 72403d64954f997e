"""Running wrk with bench/wrk/cycle.lua, and reading what it prints."""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve().parent / "wrk" / "cycle.lua"
MARKER = "BENCH_JSON "
_UNITS_US = {"us": 1.0, "ms": 1e3, "s": 1e6, "m": 60e6, "h": 3600e6}


@dataclass(frozen=True)
class WrkSettings:
    threads: int = 2
    connections: int = 32
    duration: float = 20.0
    timeout: float = 5.0
    binary: str = "wrk"


@dataclass
class WrkResult:
    """One wrk run: totals, latency in milliseconds, answers by status, answers per second."""

    duration_s: float
    requests: int
    errors: dict[str, int]
    latency_ms: dict[str, float]
    statuses: dict[int, int]
    per_second: list[int]
    wraps: int
    text: dict[str, Any] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0


def parse_json_line(output: str) -> WrkResult:
    """The result from the script's `done()` line (latencies come in microseconds)."""
    line = next((ln for ln in output.splitlines() if ln.startswith(MARKER)), None)
    if line is None:
        raise ValueError("wrk printed no result line; is bench/wrk/cycle.lua in use?")
    raw = json.loads(line[len(MARKER) :])
    latency = raw["latency_us"]
    latency_ms = {
        "min": latency["min"] / 1e3,
        "mean": latency["mean"] / 1e3,
        "max": latency["max"] / 1e3,
        "stdev": latency["stdev"] / 1e3,
    }
    for p, value in latency["percentiles"].items():
        latency_ms["p" + p.replace(".", "_")] = value / 1e3
    seconds = {int(k): v for k, v in raw["per_second"].items()}
    first = min(seconds, default=0)
    series = [seconds.get(s, 0) for s in range(first, max(seconds, default=-1) + 1)]
    return WrkResult(
        duration_s=raw["duration_us"] / 1e6,
        requests=raw["requests"],
        errors=dict(raw["errors"]),
        latency_ms=latency_ms,
        statuses={int(k): v for k, v in raw["statuses"].items()},
        per_second=series,
        wraps=raw["wraps"],
    )


def parse_text(output: str) -> dict[str, Any]:
    """wrk's own `--latency` report: requests/s, the latency distribution (ms), errors."""
    found: dict[str, Any] = {}
    if match := re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M):
        found["rps"] = float(match[1])
    if match := re.search(r"(\d+) requests in ([\d.]+)(\w+)", output):
        found["requests"] = int(match[1])
    distribution = {}
    for p, value, unit in re.findall(r"^\s+([\d.]+)%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M):
        distribution["p" + f"{float(p):g}".replace(".", "_")] = float(value) * _UNITS_US[unit] / 1e3
    found["latency_ms"] = distribution
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        found["socket_errors"] = dict(
            zip(("connect", "read", "write", "timeout"), map(int, match.groups()), strict=True)
        )
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        found["non_2xx_3xx"] = int(match[1])
    return found


def command(settings: WrkSettings, url: str) -> list[str]:
    return [
        settings.binary,
        f"-t{settings.threads}",
        f"-c{settings.connections}",
        f"-d{settings.duration:g}s",
        f"--timeout={settings.timeout:g}s",
        "--latency",
        "-s",
        str(SCRIPT),
        url,
    ]


async def run_wrk(
    settings: WrkSettings,
    url: str,
    requests_file: Path,
    *,
    on_tick: Callable[[float], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> WrkResult:
    """Run wrk to completion; `on_tick(elapsed)` is called a few times a second meanwhile."""
    env = {
        **os.environ,
        "BENCH_REQUESTS": str(requests_file),
        "BENCH_THREADS": str(settings.threads),
    }
    proc = await asyncio.create_subprocess_exec(
        *command(settings, url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    if on_start is not None:
        on_start(proc.pid)
    started = time.monotonic()
    communicate = asyncio.ensure_future(proc.communicate())
    try:
        while not communicate.done():
            await asyncio.wait([communicate], timeout=0.25)
            if on_tick is not None:
                on_tick(time.monotonic() - started)
    finally:
        if proc.returncode is None and not communicate.done():  # interrupted
            proc.terminate()
    stdout, stderr = communicate.result()
    output = stdout.decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {stderr.decode(errors='replace')}")
    result = parse_json_line(output)
    result.text = parse_text(output)
    return result
