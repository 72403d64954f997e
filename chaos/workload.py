"""Tenants driven through the real saga over the real HTTP API, each with a script that says
how it should end: sign-up → e-mailed link → verify → onboard → provision, then one of
ACTIVE, PROVISION_FAILED (a step failing on purpose), CANCELLED or OFFBOARDED."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx

from chaos.http import patient_client
from chaos.target import Target
from tests.e2e.saga_client import (
    admin_headers,
    pipeline_when,
    provision,
    set_fault,
    settle,
    sign_up_and_onboard,
)

FAILING_STEPS = ("database", "credentials", "billing")


class Ending(StrEnum):
    ACTIVE = "ACTIVE"
    PROVISION_FAILED = "PROVISION_FAILED"
    CANCELLED = "CANCELLED"
    OFFBOARDED = "OFFBOARDED"


@dataclass(frozen=True)
class Script:
    index: int
    tier: str
    ending: Ending
    failing_step: str | None = None


def scripts(count: int) -> list[Script]:
    """Half reach ACTIVE (silo and pooled), the rest fail, cancel or offboard in turn."""
    made: list[Script] = []
    for i in range(count):
        tier = "silo" if i % 2 == 0 else "pooled"
        match i % 6:
            case 3:
                step = FAILING_STEPS[(i // 6) % len(FAILING_STEPS)]
                made.append(Script(i, tier, Ending.PROVISION_FAILED, step))
            case 4:
                made.append(Script(i, "silo", Ending.CANCELLED))  # cancelled in its external step
            case 5:
                made.append(Script(i, tier, Ending.OFFBOARDED))
            case _:
                made.append(Script(i, tier, Ending.ACTIVE))
    return made


@dataclass
class Run:
    """What happened to one script's tenant, as the client saw it."""

    script: Script
    tenant_id: str | None = None
    key: str | None = None
    email: str | None = None
    status: str | None = None
    phase: str = "waiting"
    error: str | None = None


@dataclass
class Workload:
    target: Target
    runs: list[Run]
    patience: float = 120.0
    arrival_gap: float = 0.3  # seconds between two tenants' sign-ups: the arrival schedule
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def of(cls, target: Target, count: int) -> Workload:
        return cls(target, [Run(script) for script in scripts(count)])

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._drive(run)) for run in self.runs]

    def provisioning(self) -> int:
        return sum(run.phase in ("provisioning", "cancelling") for run in self.runs)

    def unsettled(self) -> int:
        return sum(run.phase not in ("done", "error") for run in self.runs)

    async def finish(self, timeout: float) -> None:
        """Wait for every script; one still running at `timeout` is cancelled and reported."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(self._tasks, timeout=max(timeout, 0.1))
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for run in self.runs:
            if run.phase not in ("done", "error"):
                run.error = f"still {run.phase} after the scenario's time ran out"
                run.phase = "error"

    async def _drive(self, run: Run) -> None:
        await asyncio.sleep(run.script.index * self.arrival_gap)
        target = self.target
        try:
            async with (
                patient_client(target.gateway, patience=self.patience) as public,
                patient_client(
                    target.gateway, admin_headers(target.infra), patience=self.patience
                ) as gateway,
            ):
                await self._script(run, public, gateway)
            run.phase = "done"
        except (AssertionError, httpx.HTTPError, KeyError, ValueError) as exc:
            run.error = f"{run.phase}: {exc}"[:300]
            run.phase = "error"

    async def _script(
        self, run: Run, public: httpx.AsyncClient, gateway: httpx.AsyncClient
    ) -> None:
        script, infra = run.script, self.target.infra
        run.phase = "signing up"
        tenant, _ = await sign_up_and_onboard(public, self.target.mail, script.tier)
        run.tenant_id, run.key = tenant["id"], tenant["key"]
        run.email = tenant["contacts"][0]["email"] if tenant.get("contacts") else None
        if script.failing_step:
            await set_fault(infra, tenant["key"], f"fail:{script.failing_step}")
        if script.ending is Ending.CANCELLED:
            # The external step's callback comes late: the cancel lands while it waits.
            await set_fault(infra, tenant["key"], "delay-callback:30")
        run.phase = "provisioning"
        await provision(gateway, tenant["id"])
        if script.ending is Ending.CANCELLED:
            run.phase = "cancelling"
            await pipeline_when(gateway, tenant["id"], "infrastructure", "IN_PROGRESS", 120)
            cancelled = await gateway.post(f"/tenants/{tenant['id']}/cancel")
            assert cancelled.status_code == 202, cancelled.text
        settled = await self._settle(gateway, tenant["id"])
        if script.ending is Ending.OFFBOARDED and settled == "ACTIVE":
            run.phase = "offboarding"
            # At once: a DELETE without `now` would wait out OFFBOARDING_GRACE_DAYS.
            gone = await gateway.delete(f"/tenants/{tenant['id']}", params={"now": "true"})
            assert gone.status_code == 202, gone.text
            settled = await self._settle(gateway, tenant["id"], want={"OFFBOARDED"})
        run.status = settled

    async def _settle(
        self, gateway: httpx.AsyncClient, tenant_id: str, want: set[str] | None = None
    ) -> str:
        tenant: dict[str, Any] = await settle(gateway, tenant_id, want=want, timeout=self.patience)
        return str(tenant["status"])
