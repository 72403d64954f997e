"""A short subset of `make chaos` in the test suite, on the session's clustered engines
(tests/conftest.py): a broker node stopped, the PostgreSQL leader killed, the Redis master
killed and a service killed, each while a few tenants go through the saga, judged by the same
oracle. The services run as one process each: the faults here are the engines'."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from chaos.ha import HaEngines, ha_infra
from chaos.runner import run_scenario
from chaos.scenarios import by_name
from chaos.supervised import supervised_target
from chaos.target import Target
from deploy.ha import HaStack
from service_kit_testing import TestInfra

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
TENANTS = 5  # ACTIVE silo, pooled and silo, PROVISION_FAILED, CANCELLED
BUDGET = 150.0


@pytest.fixture(scope="module")
def chaos_infra(ha_stack: HaStack, infra: TestInfra) -> Iterator[TestInfra]:
    with ha_infra(ha_stack, f"{infra.run_id}ch") as own:
        yield own


@pytest.fixture(scope="module")
async def target(ha_stack: HaStack, chaos_infra: TestInfra) -> AsyncIterator[Target]:
    directory = ROOT / "test-artifacts" / "chaos"
    directory.mkdir(parents=True, exist_ok=True)
    async with supervised_target(
        "ha", chaos_infra, directory, engines=HaEngines(ha_stack)
    ) as running:
        yield running


@pytest.mark.parametrize(
    "scenario",
    ["rabbit-connected-node-stop", "pg-leader-kill9", "redis-master-kill9", "kill9-provisioner"],
)
async def test_nothing_lost_nothing_done_twice(target: Target, scenario: str) -> None:
    (chosen,) = by_name([scenario])
    result = await run_scenario(target, chosen, TENANTS, BUDGET)
    details = f"{result.lost} {result.duplicated} {result.unexpected} {result.note}"
    assert result.lost == [], details
    assert result.duplicated == [], details
    assert result.unexpected == [], details
    assert result.endings == {"ACTIVE": 3, "PROVISION_FAILED": 1, "CANCELLED": 1}
    assert result.checked["events"] > 0, "the oracle read the outboxes"
    assert result.recovery.write_s is not None
    assert result.status == "passed", result.note
