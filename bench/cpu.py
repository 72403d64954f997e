"""Who burns the CPU during a scenario: /proc sampled once a second, grouped by role.

Per-process CPU% is (user + system ticks) over wall time, so 100 is one core busy and this
machine's ceiling is 100 x cores. PostgreSQL, RabbitMQ and Redis are shared with anything
else running here; PostgreSQL backends are split by database (the process title names it),
and `other` is whatever the machine spent outside the groups (other people's work included).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
Classifier = Callable[[int, str, str], str | None]


def read_ticks(pid: int) -> int | None:
    """utime + stime of a process, or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def machine_busy_ticks() -> tuple[int, int]:
    """(busy, total) ticks of all CPUs since boot, from /proc/stat's first line."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return total - idle, total


def processes() -> list[tuple[int, str, str]]:
    """(pid, comm, cmdline) of every process we may read."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            comm = Path(f"/proc/{entry}/comm").read_text().strip()
            cmdline = (
                Path(f"/proc/{entry}/cmdline")
                .read_bytes()
                .replace(b"\0", b" ")
                .decode(errors="replace")
            )
        except OSError:
            continue
        found.append((int(entry), comm, cmdline.strip()))
    return found


def infrastructure_classifier(database: str, roles: Mapping[int, str]) -> Classifier:
    """Groups: the pids in `roles` by name, then PostgreSQL (this run's database, other
    databases, the server's own processes), RabbitMQ, Redis."""

    def classify(pid: int, comm: str, cmdline: str) -> str | None:
        if pid in roles:
            return roles[pid]
        if comm == "postgres" or cmdline.startswith("postgres"):
            if f" {database} " in cmdline or f" {database}_tenants " in cmdline:
                return "postgres: this run"
            if "127.0.0.1(" in cmdline or "[local]" in cmdline or "::1(" in cmdline:
                return "postgres: other databases"
            return "postgres: server processes"
        if comm == "beam.smp" or comm.startswith("erl_child") or comm == "epmd":
            return "rabbitmq"
        if comm.startswith("redis-server"):
            return "redis"
        return None

    return classify


@dataclass
class CpuReport:
    seconds: float
    machine_busy_pct: float
    by_group_pct: dict[str, float]
    series: dict[str, list[float]] = field(default_factory=dict)
    peak_postgres_backends: dict[str, int] = field(default_factory=dict)


class CpuSampler:
    """Samples in a thread between `start()` and `stop()`; `stop()` returns the report."""

    def __init__(self, classify: Classifier, interval: float = 1.0) -> None:
        self._classify = classify
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="cpu-sampler", daemon=True)
        self._series: dict[str, list[float]] = {}
        self._totals: dict[str, float] = {}
        self._peaks: dict[str, int] = {}
        self._started = 0.0
        self._sampled = 0.0
        self._busy0 = 0

    def start(self) -> CpuSampler:
        self._started = time.monotonic()
        self._busy0 = machine_busy_ticks()[0]
        self._thread.start()
        return self

    def _snapshot(self) -> tuple[dict[int, tuple[str, int]], dict[str, int]]:
        ticks: dict[int, tuple[str, int]] = {}
        backends: dict[str, int] = {}
        for pid, comm, cmdline in processes():
            group = self._classify(pid, comm, cmdline)
            if group is None:
                continue
            value = read_ticks(pid)
            if value is not None:
                ticks[pid] = (group, value)
                if group.startswith("postgres"):
                    backends[group] = backends.get(group, 0) + 1
        return ticks, backends

    def _loop(self) -> None:
        previous, _ = self._snapshot()
        busy_before = machine_busy_ticks()[0]
        last = time.monotonic()
        while not self._stop.wait(self._interval):
            current, backends = self._snapshot()
            busy = machine_busy_ticks()[0]
            now = time.monotonic()
            elapsed = now - last
            groups: dict[str, float] = {}
            for pid, (group, value) in current.items():
                before = previous.get(pid, (group, value))[1]
                groups[group] = groups.get(group, 0.0) + (value - before)
            known = sum(groups.values())
            groups["other"] = max(0.0, (busy - busy_before) - known)
            for group, ticks in groups.items():
                pct = ticks / TICKS / elapsed * 100
                self._series.setdefault(group, []).append(round(pct, 1))
                self._totals[group] = self._totals.get(group, 0.0) + ticks
            self._sampled += elapsed
            for group, count in backends.items():
                self._peaks[group] = max(self._peaks.get(group, 0), count)
            previous, busy_before, last = current, busy, now

    def stop(self) -> CpuReport:
        self._stop.set()
        self._thread.join()
        seconds = time.monotonic() - self._started
        busy = machine_busy_ticks()[0] - self._busy0
        length = max((len(s) for s in self._series.values()), default=0)
        series = {g: [0.0] * (length - len(s)) + s for g, s in self._series.items()}
        sampled = self._sampled or seconds
        by_group = {
            g: round(t / TICKS / sampled * 100, 1)
            for g, t in sorted(self._totals.items(), key=lambda kv: -kv[1])
        }
        return CpuReport(
            seconds=round(seconds, 2),
            machine_busy_pct=round(busy / TICKS / seconds * 100, 1) if seconds else 0.0,
            by_group_pct=by_group,
            series=series,
            peak_postgres_backends=dict(self._peaks),
        )
