"""`PROCESSES=2`: one port, two worker processes, metrics added up over both, a clean stop."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from service_kit_testing import free_port_base, worker_processes

# The app every worker builds: it counts its requests in the kit's own counter and says which
# process answered. A module of its own, as a worker imports the factory by name.
APP_MODULE = """
import asyncio
import gc
import os

from fastapi import FastAPI, Response

from service_kit.metrics import HTTP_REQUESTS, exposition
from service_kit.settings import ServiceSettings


def create_app(settings: ServiceSettings) -> FastAPI:
    app = FastAPI()

    @app.get("/pid")
    async def pid() -> dict[str, object]:
        HTTP_REQUESTS.labels("GET", "/pid", "200").inc()
        await asyncio.sleep(0.05)  # held a moment, so that concurrent requests spread
        return {
            "pid": os.getpid(),
            "parent": os.getppid(),
            "metrics_dir": os.environ.get("PROMETHEUS_MULTIPROC_DIR"),
            "port": settings.port,
            "frozen": gc.get_freeze_count(),
        }

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(exposition(), media_type="text/plain")

    return app
"""

MAIN = """
from service_kit.serve import serve
from service_kit.settings import ServiceSettings
from two_workers_app import create_app

serve(create_app, ServiceSettings())
"""


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str
    log: Path


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[Served]:
    (tmp_path / "two_workers_app.py").write_text(textwrap.dedent(APP_MODULE))
    port = free_port_base(count=1)
    env = {
        **{k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
        "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
        "SERVICE_NAME": "two-workers",
        "PORT": str(port),
        "PROCESSES": "2",
        "LOG_FORMAT": "json",
        # The private metrics directory under tmp_path, also where a killed parent leaves it.
        "TMPDIR": str(tmp_path),
    }
    log = tmp_path / "served.log"
    with log.open("wb") as out:
        # A session of its own, so that a failed test can kill the workers with their parent.
        process = subprocess.Popen(
            [sys.executable, "-c", MAIN],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/metrics", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail(f"the two workers did not start:\n{log.read_text()}")
        time.sleep(0.2)
    try:
        yield Served(process, url, log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def requests_counted(url: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=5).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "http_requests_total" and sample.labels.get("route") == "/pid"
    )


def test_two_workers_share_the_port_count_together_and_stop_cleanly(two_workers: Served) -> None:
    answers: list[dict[str, object]] = []
    # Rounds of four requests at once, each on a fresh connection, until both workers answered.
    with ThreadPoolExecutor(4) as pool:
        for _ in range(50):
            round_ = pool.map(lambda _: httpx.get(f"{two_workers.url}/pid", timeout=5), range(4))
            answers += [answer.json() for answer in round_]
            if len({a["pid"] for a in answers}) == 2:
                break
    pids = {a["pid"] for a in answers}
    assert len(pids) == 2, f"one worker answered all {len(answers)} requests"
    assert {a["parent"] for a in answers} == {two_workers.process.pid}
    assert two_workers.process.pid not in pids
    # What start-up built is kept out of garbage collections (it was walked by every full one).
    assert all(isinstance(a["frozen"], int) and a["frozen"] > 10_000 for a in answers)
    (metrics_dir,) = {a["metrics_dir"] for a in answers}
    assert isinstance(metrics_dir, str)
    assert Path(metrics_dir).is_dir()

    # Whichever worker answers /metrics, it counts every worker's requests.
    assert requests_counted(two_workers.url) == len(answers)
    assert requests_counted(two_workers.url) == len(answers)

    two_workers.process.send_signal(signal.SIGTERM)
    assert two_workers.process.wait(timeout=20) == 0
    for pid in pids:
        assert isinstance(pid, int)
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert not Path(metrics_dir).exists(), "the private metrics directory is removed"
    lines = [json.loads(line) for line in two_workers.log.read_text().splitlines()]
    startups = [line for line in lines if line["event"] == "Application startup complete."]
    assert {line.get("pid") for line in startups} == pids, "each worker's lines carry its pid"
    assert all(line["service"] == "two-workers" for line in lines)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # gone but not yet reaped is gone as well
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_workers_stop_themselves_when_their_parent_is_killed(two_workers: Served) -> None:
    workers = worker_processes(two_workers.process.pid)
    assert len(workers) == 2
    two_workers.process.kill()  # SIGKILL: uvicorn cannot tell its workers anything
    two_workers.process.wait()
    deadline = time.monotonic() + 20
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in workers), "a worker outlived its parent"
    events = [json.loads(line)["event"] for line in two_workers.log.read_text().splitlines()]
    assert events.count("the supervising process is gone; stopping") == 2
