"""Processes tests start and watch: a server stopped for good, a process's children (read from
/proc), a service's worker processes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any


def child_processes(parent: int) -> dict[int, bytes]:
    """The processes whose parent is `parent`, with their command lines (from /proc)."""
    found: dict[int, bytes] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found[int(entry)] = command
    return found


def worker_processes(parent: int) -> set[int]:
    """A service's uvicorn workers (`PROCESSES` above 1): its children that multiprocessing
    spawned, not its resource tracker."""
    return {pid for pid, command in child_processes(parent).items() if b"spawn_main" in command}


def stop_process(process: subprocess.Popen[Any], timeout: float = 10) -> None:
    """Ask `process` to end, and kill it if it has not within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
