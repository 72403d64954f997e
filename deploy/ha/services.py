"""The five services against the HA stack, two processes each: `deploy/local_run.py` (which
migrates, then runs them) started detached with the stack's env file in its environment."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from .layout import SERVICES
from .procs import HaError, Step, alive, port_answers, read_pid, spawn, terminate, wait_for

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 240.0  # migrations, then ten processes booting on two cores
PROCESSES = "2"


def _ready(port: int) -> bool:
    try:
        with urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            return bool(response.status == 200)
    except (URLError, OSError):
        return False


class Services:
    def __init__(self, base: Path, port_base: int, settings: dict[str, str]) -> None:
        self.pidfile = base / "services.pid"
        self.log = base / "log" / "services.log"
        self.port_base = port_base
        self.settings = settings

    @property
    def ports(self) -> list[int]:
        return [self.port_base + offset for offset in range(len(SERVICES))]

    @property
    def pid(self) -> int | None:
        """deploy/local_run.py's process: each service's uvicorn supervisor is its child."""
        found = read_pid(self.pidfile)
        return found if alive(found) else None

    def start(self, extra_env: Mapping[str, str]) -> None:
        if alive(read_pid(self.pidfile)):
            return
        taken = [p for p in self.ports if port_answers(p)]
        if taken:
            raise HaError(
                f"ports {taken} are taken; set HA_PORT_BASE to a free block of five (HA_WIPE=1 "
                "make ha-down forgets the old choice)"
            )
        env = {**os.environ, **self.settings, "LOG_FORMAT": "json", **extra_env}
        for name in SERVICES:
            env[f"{name.replace('-', '_').upper()}_PROCESSES"] = PROCESSES
        with Step(f"starting the five services ({PROCESSES} processes each) on :{self.port_base}"):
            argv = [
                sys.executable,
                str(ROOT / "deploy" / "local_run.py"),
                "--port-base",
                str(self.port_base),
                "--ready-timeout",
                str(READY_TIMEOUT),
            ]
            pid = spawn(argv, self.log, env=env, cwd=ROOT)
            self.pidfile.write_text(str(pid))

            def ready() -> bool:
                if not alive(pid):
                    raise HaError(f"the services stopped while starting; read {self.log}")
                return all(_ready(port) for port in self.ports)

            wait_for(ready, "every service's /readyz", READY_TIMEOUT, self.log)

    def stop(self) -> None:
        # local_run stops its services on SIGTERM and waits for them.
        terminate(read_pid(self.pidfile), "the services", timeout=40)
        self.pidfile.unlink(missing_ok=True)
