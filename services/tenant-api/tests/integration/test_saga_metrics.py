"""saga_duration_seconds and pipelines_finished_total: one observation per pipeline that ends;
pipelines{status}, the live ones, from SQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from prometheus_client import REGISTRY

from tenant_api.pipeline.metrics import refresh_pipelines_gauge

from ..saga import FakeProvisioner, Sql, activate, eventually, processed  # type: ignore[import-not-found]

Provisioning = Callable[..., Awaitable[FakeProvisioner]]


def _saga_count(tier: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "saga_duration_seconds_count", {"tier": tier, "outcome": outcome}
    )
    return value or 0.0


async def _observed(tier: str, outcome: str, expected: float) -> None:
    async def reached() -> bool:
        return _saga_count(tier, outcome) >= expected

    await eventually(reached, what=f"saga_duration_seconds{{{tier},{outcome}}} = {expected}")
    await asyncio.sleep(0.3)  # and no second observation follows
    assert _saga_count(tier, outcome) == expected


async def test_one_observation_per_terminal_pipeline_even_when_the_outcome_comes_twice(
    provisioning: Provisioning, sql: Sql
) -> None:
    before = _saga_count("silo", "succeeded")
    saga = await provisioning(tier="silo")
    completed = saga.completed()
    # The same delivery twice (inbox duplicate), then a second, distinct outcome (ignored).
    again = saga.completed()
    await saga.publish(completed, completed, again)
    await processed(sql, "pipeline-outcomes", [completed, again])
    await _observed("silo", "succeeded", before + 1)


async def test_failed_and_cancelled_pipelines_are_observed_with_their_outcome(
    provisioning: Provisioning, sql: Sql
) -> None:
    failed_before = _saga_count("pooled", "failed")
    cancelled_before = _saga_count("pooled", "cancelled")
    failing = await provisioning()
    failure = failing.failed_pipeline("database", "boom")
    await failing.publish(failure, failure)
    cancelling = await provisioning()
    cancel = cancelling.cancelled()
    await cancelling.publish(cancel, cancel)
    await processed(sql, "pipeline-outcomes", [failure, cancel])
    await _observed("pooled", "failed", failed_before + 1)
    await _observed("pooled", "cancelled", cancelled_before + 1)


async def test_a_pipeline_the_sweeper_timed_out_ends_with_outcome_timeout(
    provisioning: Provisioning, sql: Sql
) -> None:
    before = _saga_count("pooled", "timeout")
    failed_before = _saga_count("pooled", "failed")
    stale = await provisioning()
    # What the sweeper does to a stale pipeline before it asks the provisioner to give up.
    await sql(
        "UPDATE tenant_api.pipelines SET status = 'TIMING_OUT' WHERE id = :id",
        id=stale.pipeline_id,
    )
    answer = stale.failed_pipeline("infrastructure", "timeout")
    await stale.publish(answer)
    await processed(sql, "pipeline-outcomes", [answer])
    await _observed("pooled", "timeout", before + 1)
    assert _saga_count("pooled", "failed") == failed_before


async def test_pipelines_gauge_counts_live_pipelines_by_status(
    app: FastAPI, provisioning: Provisioning, sql: Sql
) -> None:
    await activate(await provisioning(), sql)
    await provisioning()  # and one still running

    counts = await refresh_pipelines_gauge(app.state.runtime)
    rows = await sql(
        "SELECT status, count(*) AS n FROM tenant_api.pipelines"
        " WHERE status IN ('RUNNING', 'TIMING_OUT') GROUP BY status"
    )
    in_db: dict[str, Any] = {row.status: row.n for row in rows}
    assert set(counts) == {"RUNNING", "TIMING_OUT"}, "finished ones are counted as they end"
    assert {s: n for s, n in counts.items() if n} == in_db
    assert in_db["RUNNING"] >= 1
    for status, n in counts.items():
        assert REGISTRY.get_sample_value("pipelines", {"status": status}) == n
    assert REGISTRY.get_sample_value("pipelines", {"status": "SUCCEEDED"}) in (None, 0)


async def test_a_pipeline_that_ends_counts_once_among_the_finished(
    provisioning: Provisioning, sql: Sql
) -> None:
    def finished() -> float:
        found = REGISTRY.get_sample_value("pipelines_finished_total", {"status": "SUCCEEDED"})
        return found or 0.0

    before = finished()
    await activate(await provisioning(), sql)

    async def counted() -> bool:
        return finished() >= before + 1

    await eventually(counted, what="pipelines_finished_total{SUCCEEDED} counted up")
    assert finished() == before + 1
