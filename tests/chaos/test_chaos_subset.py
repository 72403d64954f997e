"""A short subset of `make chaos` in the test suite: the local target, a few tenants, one
fault each, judged by the same oracle. The scenarios that need the clustered stack
(`rabbit-connected-node-stop`, `pg-switchover`, `redis-master-kill9`, see chaos/scenarios.py)
join this list once `make ha` is wired as a target (chaos/ha.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from chaos.local import local_target
from chaos.runner import run_scenario
from chaos.scenarios import by_name
from chaos.target import Target
from service_kit.testing import TestInfra, isolated_infra

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
TENANTS = 5  # ACTIVE silo, pooled and silo, PROVISION_FAILED, CANCELLED
BUDGET = 150.0


@pytest.fixture(scope="module")
def chaos_infra(infra: TestInfra) -> Iterator[TestInfra]:
    with isolated_infra(f"{infra.run_id}ch") as own:
        yield own


@pytest.fixture(scope="module")
async def target(chaos_infra: TestInfra) -> AsyncIterator[Target]:
    async with local_target(chaos_infra, ROOT / "test-artifacts" / "chaos") as running:
        yield running


@pytest.mark.parametrize("scenario", ["kill9-provisioner", "kill9-notifier", "rabbitmq-reset"])
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
