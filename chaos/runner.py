"""One scenario from start to verdict: the workload starts, the fault strikes once a saga is
under way, heals after the scenario's hold, and the oracle judges; all within a budget."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import aio_pika
import asyncpg
import httpx

from chaos.oracle import Verdict, judge
from chaos.scenarios import Scenario
from chaos.target import Target
from chaos.workload import Workload
from tests.e2e.polling import eventually


@dataclass
class Recovery:
    """Seconds from the fault's start. `write_s`: until a sign-up was accepted with none
    refused after it (sign-ups are tried throughout the fault). `saga_s`: until the saga wrote
    again, looked for once the fault healed (so never less than `heal_s`, the seconds the
    fault and its heal took). None when it did not come within the budget."""

    write_s: float | None = None
    saga_s: float | None = None
    heal_s: float | None = None
    saga_waiting: bool = False


@dataclass
class Result:
    scenario: str
    what: str
    status: str  # passed, failed, not run
    tenants: int = 0
    endings: dict[str, int] = field(default_factory=dict)
    recovery: Recovery = field(default_factory=Recovery)
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    resent_mail: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


async def _sign_up(target: Target, probes: list[str]) -> bool:
    email = f"probe-{uuid.uuid4().hex[:10]}@probe.chaos.example"
    body = {"firstName": "Probe", "lastName": "Write", "companyName": "Chaos", "email": email}
    try:
        async with httpx.AsyncClient(timeout=3) as client:
            answer = await client.post(target.gateway + "/leads", json=body)
    except httpx.HTTPError:
        return False
    if answer.status_code == 201:
        probes.append(email)
        return True
    return False


async def _saga_wrote_since(target: Target, since: datetime) -> bool:
    conn = await asyncpg.connect(target.infra.database_url.replace("+asyncpg", ""))
    try:
        return bool(
            await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM provisioner.outbox WHERE created_at > $1)"
                " OR EXISTS (SELECT 1 FROM tenant_api.outbox WHERE created_at > $1)",
                since,
            )
        )
    finally:
        await conn.close()


# Between sign-ups tried while a fault lasts: pacing the probe, not waiting for a condition.
PROBE_INTERVAL = 1.0


async def probe_writes(
    target: Target, probes: list[str], started: float, healed: asyncio.Event, timeout: float
) -> float | None:
    """Sign up again and again from the fault's start; seconds to the first acceptance after
    the last refusal, once the fault has healed; None if none within `timeout` of the heal."""
    loop = asyncio.get_running_loop()
    back: float | None = None
    give_up: float | None = None
    while True:
        accepted = await _sign_up(target, probes)
        if not accepted:
            back = None
        elif back is None:
            back = round(loop.time() - started, 2)
        if healed.is_set():
            if back is not None:
                return back
            give_up = give_up or loop.time() + timeout
            if loop.time() > give_up:
                return None
        await asyncio.sleep(PROBE_INTERVAL if not healed.is_set() else 0.1)


async def measure_saga(
    target: Target, recovery: Recovery, started: float, healed_at: datetime, timeout: float
) -> None:
    if not recovery.saga_waiting:
        return
    loop = asyncio.get_running_loop()
    try:
        await eventually(
            lambda: _saga_wrote_since(target, healed_at), what="saga moving", timeout=timeout
        )
    except (AssertionError, OSError, asyncpg.PostgresError):
        return
    recovery.saga_s = round(loop.time() - started, 2)


async def run_scenario(target: Target, scenario: Scenario, tenants: int, budget: float) -> Result:
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = Result(scenario.name, scenario.what, "failed", tenants=tenants)
    fault = scenario.make(target)
    if fault is None:
        result.status, result.note = "not run", f"needs what the {target.name} target lacks"
        return result
    workload = Workload.of(target, tenants)
    probes: list[str] = []
    healed = False
    try:
        async with asyncio.timeout(budget):
            workload.start()
            await eventually(
                _async(lambda: workload.provisioning() > 0 or workload.unsettled() == 0),
                what="a saga under way",
                timeout=budget / 3,
            )
            started_fault, healed_event = loop.time(), asyncio.Event()
            writes = asyncio.create_task(
                probe_writes(target, probes, started_fault, healed_event, budget / 3)
            )
            try:
                await fault.inject()
                await asyncio.sleep(scenario.hold)  # the fault lasts this long: it is the fault
                await fault.heal()
            except BaseException:
                writes.cancel()
                raise
            healed = True
            healed_event.set()
            recovery = result.recovery
            recovery.heal_s = round(loop.time() - started_fault, 2)
            recovery.saga_waiting = workload.unsettled() > 0
            await measure_saga(target, recovery, started_fault, datetime.now(UTC), budget / 3)
            recovery.write_s = await writes
            await workload.finish(budget - (loop.time() - started) - 30)
    except TimeoutError:
        result.note = f"did not finish within its budget of {budget:.0f}s"
    except (AssertionError, RuntimeError, OSError) as exc:
        result.note = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        if not healed:
            await fault.heal()
        await workload.finish(0)
    remaining = max(budget - (loop.time() - started), 30)
    try:
        verdict: Verdict = await judge(target, workload.runs, probes, timeout=remaining)
    except (OSError, asyncpg.PostgresError, aio_pika.exceptions.AMQPError) as exc:
        result.note = f"the oracle could not read the engines: {exc!r}"[:300]
        result.seconds = round(loop.time() - started, 1)
        return result
    result.endings, result.checked = verdict.endings, verdict.checked
    result.lost, result.duplicated, result.unexpected = (
        verdict.lost,
        verdict.duplicated,
        verdict.unexpected,
    )
    result.resent_mail = verdict.resent_mail
    if result.recovery.write_s is None:
        result.unexpected.append("no write accepted after the heal")
    if result.recovery.saga_waiting and result.recovery.saga_s is None:
        result.unexpected.append("no saga moved after the heal")
    result.status = (
        "passed" if verdict.ok and not result.note and not result.unexpected else "failed"
    )
    result.seconds = round(loop.time() - started, 1)
    return result


def _async(check: Any) -> Any:
    async def probe() -> bool:
        return bool(check())

    return probe
