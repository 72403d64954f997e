"""`--profile SERVICE`: py-spy flame graphs of a service during each scenario's measured part.

py-spy samples the running process from outside (no restart, no code in the service); it needs
ptrace rights over it (root, or `kernel.yama.ptrace_scope=0`). One SVG per scenario and service.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Profiler:
    service: str
    output: Path
    process: subprocess.Popen[bytes]


def py_spy() -> str | None:
    """py-spy from the run's environment (the `bench` dependency group), else from PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def start(pids: dict[int, str], services: tuple[str, ...], prefix: Path) -> list[Profiler]:
    binary = py_spy()
    if binary is None or not services:
        return []
    profilers = []
    for pid, service in pids.items():
        if service not in services:
            continue
        output = prefix.with_name(f"{prefix.name}-{service}.svg")
        process = subprocess.Popen(  # noqa: S603 - py-spy on our own service
            [binary, "record", "--pid", str(pid), "--rate", "200", "--output", str(output)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        profilers.append(Profiler(service, output, process))
    return profilers


def stop(profilers: list[Profiler]) -> dict[str, str]:
    """Ask each py-spy to write its flame graph (SIGINT), wait for it: service → file."""
    for profiler in profilers:
        profiler.process.send_signal(signal.SIGINT)
    written = {}
    for profiler in profilers:
        try:
            profiler.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            profiler.process.kill()
        if profiler.output.exists():
            written[profiler.service] = str(profiler.output)
    return written
