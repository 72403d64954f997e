"""The HA target's service control: kill -9 or SIGTERM of a service's uvicorn workers, and
uvicorn's supervisor putting a new worker in place, on a tiny two-worker service."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from chaos.workers import WorkerProcesses
from service_kit_testing import free_port_base

SERVICE = "tiny-service"
APP = """
from fastapi import FastAPI

from service_kit.settings import ServiceSettings


def create_app(settings: ServiceSettings) -> FastAPI:
    app = FastAPI()

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ok"}

    return app
"""
MAIN = """
from service_kit.serve import serve
from service_kit.settings import ServiceSettings
from tiny_service.app import create_app

serve(create_app, ServiceSettings())
"""


@pytest.fixture
def service_url(tmp_path: Path) -> Iterator[str]:
    package = tmp_path / "tiny_service"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "app.py").write_text(textwrap.dedent(APP))
    (package / "__main__.py").write_text(textwrap.dedent(MAIN))
    port = free_port_base(count=1)
    env = {
        **{k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
        "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
        "SERVICE_NAME": SERVICE,
        "PORT": str(port),
        "PROCESSES": "2",
        "TMPDIR": str(tmp_path),
    }
    with (tmp_path / "served.log").open("wb") as log:
        # This test's process is the supervisors' parent, as deploy/local_run.py is in `make ha`.
        process = subprocess.Popen(
            [sys.executable, "-m", "tiny_service"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
async def workers(service_url: str) -> WorkerProcesses:
    control = WorkerProcesses(os.getpid, {SERVICE: service_url}, workers=2)
    await control.start(SERVICE)  # waits for both workers and /readyz
    return control


def _pids(control: WorkerProcesses) -> set[int]:
    return control._workers(SERVICE)


async def test_a_killed_worker_is_replaced_and_the_service_answers(
    workers: WorkerProcesses,
) -> None:
    before = _pids(workers)
    assert len(before) == 2

    await workers.kill(SERVICE)
    # One original gone (uvicorn may have put its replacement in place already).
    assert len(before - _pids(workers)) == 1

    await workers.start(SERVICE)
    after = _pids(workers)
    assert len(after) == 2
    assert len(after & before) == 1, "the other worker served on untouched"


async def test_a_restart_replaces_every_worker_in_turn(workers: WorkerProcesses) -> None:
    before = _pids(workers)

    await workers.restart(SERVICE)

    after = _pids(workers)
    assert len(after) == 2
    assert not after & before, "each original worker was replaced"
