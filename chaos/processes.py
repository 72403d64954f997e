"""The five services as `python -m <package>` processes this suite supervises: one process
each, so that a kill -9 takes the service down until the supervisor starts it again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import httpx

from chaos.http import answers_ready
from chaos.target import SERVICES

ROOT = Path(__file__).resolve().parents[1]
PASS_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "VIRTUAL_ENV")


class LocalProcesses:
    """Starts, kills and restarts the services; `ServiceControl` for the local target."""

    def __init__(self, env: Mapping[str, str], port_base: int, log_dir: Path) -> None:
        self._env = {k: os.environ[k] for k in PASS_THROUGH if k in os.environ} | dict(env)
        self.port_base = port_base
        self._log_dir = log_dir
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.port_base + SERVICES.index(service)}"

    @property
    def urls(self) -> dict[str, str]:
        return {service: self.url(service) for service in SERVICES}

    def _launch(self, service: str) -> None:
        package = service.replace("-", "_")
        port = self.port_base + SERVICES.index(service)
        with (self._log_dir / f"{service}.log").open("ab") as log:
            self.running[service] = subprocess.Popen(  # noqa: S603 - our own services
                [sys.executable, "-m", package],
                cwd=ROOT,
                env={**self._env, "PORT": str(port), "PYTHONUNBUFFERED": "1"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def ready(self, service: str, timeout: float = 90) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                process = self.running[service]
                if process.poll() is not None:
                    raise RuntimeError(f"{service} exited ({process.returncode}); see its log")
                if await answers_ready(client, self.url(service)):
                    return
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"{service} not ready within {timeout:.0f}s")
                await asyncio.sleep(0.2)

    async def start_all(self) -> None:
        for service in SERVICES:
            self._launch(service)
        await asyncio.gather(*(self.ready(service) for service in SERVICES))

    async def kill(self, service: str) -> None:
        process = self.running[service]
        process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(process.wait)

    async def start(self, service: str) -> None:
        if self.running[service].poll() is None:
            return
        self._launch(service)
        await self.ready(service)

    async def restart(self, service: str) -> None:
        process = self.running[service]
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.to_thread(process.wait), timeout=30)
        except TimeoutError:
            process.kill()  # a shutdown that hangs is reported by the oracle, not waited on
            await asyncio.to_thread(process.wait)
        self._launch(service)
        await self.ready(service)

    async def stop_all(self) -> None:
        """SIGTERM all, waiting off the event loop: their shutdown may need the proxies."""
        for process in self.running.values():
            if process.poll() is None:
                process.terminate()
        for process in self.running.values():
            try:
                await asyncio.wait_for(asyncio.to_thread(process.wait), timeout=20)
            except TimeoutError:
                process.kill()
                await asyncio.to_thread(process.wait)
