"""The yardstick: the same wrk load as `config`, against an app with one empty FastAPI route.

It says what any route of ours could reach at most on this machine, now (a run's other numbers
are best read against it), and how much of a route's cost is the HTTP stack itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from bench.http_raw import render
from bench.scenarios.base import Context, Scenario
from bench.scenarios.http_load import run_http_scenario
from service_kit_testing import free_port_base

DISTINCT_REQUESTS = 1000
START_TIMEOUT = 30.0


class Baseline(Scenario):
    name = "baseline"
    title = "Yardstick: one empty FastAPI route, served as the services are"

    async def run(self, ctx: Context) -> dict[str, Any]:
        port = free_port_base(count=1)
        host = f"127.0.0.1:{port}"
        # A header of a bearer token's size, which the app never reads.
        headers = {"Authorization": "Bearer " + "x" * 300}
        requests = [
            render("GET", host, f"/tenants/{uuid.uuid4()}/config", headers=headers)
            for _ in range(DISTINCT_REQUESTS)
        ]
        async with _served(port, ctx.workdir / "baseline-app.log") as pid:
            ctx.roles[pid] = "baseline app"
            return await run_http_scenario(
                ctx,
                name=self.name,
                url=f"http://{host}/",
                requests=requests,
                expected=frozenset({200}),
                params={"app": "bench/baseline_app.py", "processes": 1},
            )


@contextlib.asynccontextmanager
async def _served(port: int, log: Path) -> AsyncIterator[int]:
    # Its output goes to a file: a pipe nobody reads during the run could fill and stall it.
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.baseline_app", str(port), stdout=out, stderr=out
        )
    try:
        url = f"http://127.0.0.1:{port}/tenants/{uuid.uuid4()}/config"
        await _wait_until_answering(process, url, log)
        yield process.pid
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _wait_until_answering(process: asyncio.subprocess.Process, url: str, log: Path) -> None:
    deadline = asyncio.get_running_loop().time() + START_TIMEOUT
    async with httpx.AsyncClient() as client:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url, timeout=1)).status_code == 200:
                    return
            if process.returncode is not None or asyncio.get_running_loop().time() > deadline:
                said = (await asyncio.to_thread(log.read_text, errors="replace"))[-500:]
                raise RuntimeError(f"the baseline app did not start: {said}")
            await asyncio.sleep(0.1)
