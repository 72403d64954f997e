"""Tenants through the saga: onboarded (`POST /tenants`), then provisioned, until ACTIVE.

`burst` onboards and provisions as fast as `concurrency` workers can (closed loop), measuring
how many tenants per second reach ACTIVE. `steady` onboards every tenant first, then sends the
provision requests at a fixed rate (open loop), measuring from each request's scheduled time,
so a slow gateway shows up as latency instead of silently lowering the rate.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from bench.loadgen.events import EventWatch
from bench.loadgen.http_client import Pool

Progress = Callable[[str, int, int], None]


@dataclass
class TenantRun:
    key: str
    tier: str
    id: str | None = None
    create_started: float | None = None  # seconds after the run's start
    create_ms: float | None = None
    create_status: int | None = None
    provision_due: float | None = None  # steady: when the request was scheduled
    provision_started: float | None = None
    provision_wall: float | None = None  # time.time() when it was sent
    provision_ms: float | None = None
    provision_status: int | None = None
    outcome: str | None = None
    outcome_at: float | None = None
    committed_ms: float | None = None  # the outcome event's occurred_at - provision_wall
    error: str | None = None


def onboarding_body(key: str, tier: str) -> dict[str, Any]:
    domain = f"{key}.bench.example"
    return {
        "key": key,
        "name": f"Bench {key}",
        "domains": [domain],
        "tier": tier,
        "contact": {"firstName": "Ada", "lastName": "Bench", "email": f"ops@{domain}"},
    }


class SagaDriver:
    def __init__(self, pool: Pool, watch: EventWatch, progress: Progress) -> None:
        self.pool = pool
        self.watch = watch
        self.progress = progress
        self.t0 = time.monotonic()

    def now(self) -> float:
        return time.monotonic() - self.t0

    async def onboard(self, run: TenantRun) -> bool:
        run.create_started = self.now()
        try:
            answer = await self.pool.request(
                "POST", "/tenants", json_body=onboarding_body(run.key, run.tier)
            )
        except ConnectionError as exc:
            run.error = f"onboard: {exc}"
            return False
        run.create_ms = (self.now() - run.create_started) * 1000
        run.create_status = answer.status
        if answer.status != 201:
            run.error = f"onboard answered {answer.status}: {answer.body[:200]!r}"
            return False
        run.id = str(answer.json()["id"])
        return True

    async def provision(self, run: TenantRun) -> None:
        assert run.id is not None
        run.provision_started = self.now()
        run.provision_wall = time.time()
        try:
            answer = await self.pool.request("POST", f"/tenants/{run.id}/provision")
        except ConnectionError as exc:
            run.error = f"provision: {exc}"
            return
        run.provision_ms = (self.now() - run.provision_started) * 1000
        run.provision_status = answer.status
        if answer.status != 202:
            run.error = f"provision answered {answer.status}: {answer.body[:200]!r}"

    async def settle(self, runs: list[TenantRun], timeout: float) -> None:
        """Wait for every provisioned tenant's outcome, reporting progress meanwhile."""
        ids = {r.id for r in runs if r.id and r.provision_status == 202}
        waiter = asyncio.create_task(self.watch.wait_for(ids, timeout))
        while not waiter.done():
            self.progress("active", len(ids & self.watch.arrivals.keys()), len(runs))
            await asyncio.wait([waiter], timeout=0.5)
        self.progress("active", len(ids & self.watch.arrivals.keys()), len(runs))
        for run in runs:
            arrival = self.watch.arrivals.get(run.id or "")
            if arrival is None:
                continue
            run.outcome = arrival.type
            run.outcome_at = arrival.at - self.t0
            if run.provision_wall is not None:
                committed = datetime.fromisoformat(arrival.occurred_at).timestamp()
                run.committed_ms = (committed - run.provision_wall) * 1000


async def _workers(count: int, runs: list[TenantRun], job: Callable[[TenantRun], Any]) -> None:
    queue: asyncio.Queue[TenantRun] = asyncio.Queue()
    for run in runs:
        queue.put_nowait(run)

    async def worker() -> None:
        while not queue.empty():
            await job(queue.get_nowait())

    await asyncio.gather(*(worker() for _ in range(count)))


async def burst(
    driver: SagaDriver, runs: list[TenantRun], concurrency: int, settle_timeout: float
) -> dict[str, Any]:
    done = 0

    async def onboard_then_provision(run: TenantRun) -> None:
        nonlocal done
        if await driver.onboard(run):
            await driver.provision(run)
        done += 1
        driver.progress("provision requests", done, len(runs))

    started = driver.now()
    await _workers(concurrency, runs, onboard_then_provision)
    return await _settled(driver, runs, runs, started, settle_timeout)


async def steady(
    driver: SagaDriver,
    runs: list[TenantRun],
    concurrency: int,
    rate: float,
    settle_timeout: float,
) -> dict[str, Any]:
    created = 0

    async def onboard(run: TenantRun) -> None:
        nonlocal created
        await driver.onboard(run)
        created += 1
        driver.progress("onboarding", created, len(runs))

    await _workers(concurrency, runs, onboard)
    ready = [r for r in runs if r.id]
    start = driver.now() + 0.5
    tasks = []
    for i, run in enumerate(ready):
        run.provision_due = start + i / rate
        delay = run.provision_due - driver.now()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(driver.provision(run)))
        driver.progress("provision requests", i + 1, len(ready))
    await asyncio.gather(*tasks)
    return await _settled(driver, ready, runs, start, settle_timeout, rate=rate)


async def _settled(
    driver: SagaDriver,
    sent: list[TenantRun],
    runs: list[TenantRun],
    started: float,
    settle_timeout: float,
    **recorded: Any,
) -> dict[str, Any]:
    """Once every request is sent: wait for the tenants `sent` to settle; the run's times, what
    else it `recorded`, and every tenant."""
    requests_done = driver.now()
    await driver.settle(sent, settle_timeout)
    return {
        "started": started,
        "requests_done": requests_done,
        "settled": driver.now(),
        **recorded,
        "tenants": [asdict(r) for r in runs],
    }
