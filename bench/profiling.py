"""`--profile SERVICE`: py-spy flame graphs of a service during each scenario's measured part.

py-spy samples the running process from outside (no restart, no code in the service); it needs
ptrace rights over it (root, or `kernel.yama.ptrace_scope=0`). One SVG per scenario and service;
where py-spy writes none (it cannot attach, say), its own last words are the reason reported.
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
    log: Path
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
    started: set[str] = set()
    for pid, service in pids.items():
        # A service's own process comes first; `--subprocesses` takes in its workers.
        if service not in services or service in started:
            continue
        started.add(service)
        output = prefix.with_name(f"{prefix.name}-{service}.svg")
        log = output.with_suffix(".log")
        with log.open("wb") as stderr:
            process = subprocess.Popen(  # noqa: S603 - py-spy on our own service
                [
                    *(binary, "record", "--pid", str(pid), "--subprocesses"),
                    *("--rate", "200", "--output", str(output)),
                ],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        profilers.append(Profiler(service, output, log, process))
    return profilers


def stop(profilers: list[Profiler]) -> tuple[dict[str, str], dict[str, str]]:
    """Ask each py-spy to write its flame graph (SIGINT) and wait for it.

    Returns service → file for the graphs written, and service → why not for the others.
    """
    for profiler in profilers:
        if profiler.process.poll() is None:
            profiler.process.send_signal(signal.SIGINT)
    written, missing = {}, {}
    for profiler in profilers:
        try:
            profiler.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # Reaped too, or the Popen outlives its process as a zombie and warns when collected.
            profiler.process.kill()
            profiler.process.wait()
        if profiler.output.exists():
            written[profiler.service] = str(profiler.output)
            profiler.log.unlink(missing_ok=True)
        else:
            missing[profiler.service] = _last_words(profiler.log)
    return written, missing


def _last_words(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return f"py-spy wrote no profile: {lines[-1] if lines else 'it said nothing'} (see {log})"
