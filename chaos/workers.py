"""One process of a service run as uvicorn workers (`PROCESSES` above 1): kill -9 or SIGTERM
one worker and wait for uvicorn to start its replacement, the way the HA stack's services run
(deploy/local_run.py starts each service's supervisor; the supervisor starts its workers)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable, Mapping

import httpx

from chaos.http import answers_ready
from service_kit_testing import child_processes, worker_processes

READY_TIMEOUT = 90.0
EXIT_TIMEOUT = 30.0


class WorkerProcesses:
    """`ServiceControl` over each service's uvicorn workers; `parent` is the pid whose
    children are the services' supervisors (`python -m <package>`)."""

    def __init__(self, parent: Callable[[], int | None], urls: Mapping[str, str], workers: int):
        self._parent = parent
        self.urls = urls
        self.workers = workers
        self._gone: dict[str, int] = {}

    def _supervisor(self, service: str) -> int:
        parent = self._parent()
        if parent is None:
            raise RuntimeError("the services' runner is not running")
        module = b"-m\x00" + service.replace("-", "_").encode() + b"\x00"
        for pid, command in child_processes(parent).items():
            if module in command + b"\x00":
                return pid
        raise RuntimeError(f"no {service} supervisor under pid {parent}")

    def _workers(self, service: str) -> set[int]:
        return worker_processes(self._supervisor(service))

    async def _exited(self, service: str, pid: int, timeout: float) -> bool:
        deadline = asyncio.get_running_loop().time() + timeout
        while pid in self._workers(service):
            if asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(0.1)
        return True

    async def kill(self, service: str) -> None:
        victim = min(self._workers(service))
        os.kill(victim, signal.SIGKILL)
        self._gone[service] = victim
        if not await self._exited(service, victim, EXIT_TIMEOUT):
            raise RuntimeError(f"{service} worker {victim} survived kill -9")

    async def start(self, service: str) -> None:
        """uvicorn starts a dead worker again by itself: wait until the service has all its
        workers (none of them the one that went) and answers ready."""
        gone = self._gone.pop(service, None)
        deadline = asyncio.get_running_loop().time() + READY_TIMEOUT
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                found = self._workers(service)
                if (
                    len(found) >= self.workers
                    and gone not in found
                    and await answers_ready(client, self.urls[service])
                ):
                    return
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"{service}: {len(found)} workers, not ready in time")
                await asyncio.sleep(0.2)

    async def restart(self, service: str) -> None:
        """A rolling restart of the service: each worker SIGTERMed in turn, the next only once
        its replacement is up and the service answers ready."""
        for victim in sorted(self._workers(service)):
            os.kill(victim, signal.SIGTERM)
            self._gone[service] = victim
            if not await self._exited(service, victim, EXIT_TIMEOUT):
                os.kill(victim, signal.SIGKILL)  # a hung shutdown is the oracle's to judge
            await self.start(service)
