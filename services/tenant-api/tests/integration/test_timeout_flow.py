"""A pipeline without progress is timed out by the app's own sweeper; the provisioner's
`provisioning.failed` (reason timeout) then leaves the tenant PROVISION_FAILED."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service_kit_testing import TestInfra
from tenant_api.settings import TenantApiSettings

from ..desk import Desk  # type: ignore[import-not-found]
from ..gateway import gateway_settings  # type: ignore[import-not-found]
from ..saga import eventually, processed, tenant_event  # type: ignore[import-not-found]


@pytest.fixture
def settings(infra: TestInfra) -> TenantApiSettings:
    return gateway_settings(
        infra,
        pipeline_stale_after=2.0,
        pipeline_sweep_interval=0.2,
    )


async def test_a_stale_pipeline_times_out_once_and_fails_on_the_answer(
    desk: Desk, event_tap: Any
) -> None:
    tap = await event_tap("tenant.provisioning_timed_out", "tenant.provisioning_failed")
    stale, busy = await desk.provisioning(), await desk.provisioning()
    progress = busy.started("preflight", 1, datetime.now(UTC) + timedelta(minutes=5))
    await busy.publish(progress)
    await processed(desk.sql, "pipeline-steps", [progress])

    (timed_out,) = await tenant_event(tap, "tenant.provisioning_timed_out", stale.tenant_id)
    assert timed_out.data.pipeline_id == stale.pipeline_id
    pipeline = await desk.pipeline(stale.tenant_id)
    assert pipeline["status"] == "TIMING_OUT"
    await asyncio.sleep(1.0)  # several more sweeps: still one event, and none for `busy`
    assert [e.tenant_id for e in tap.received if e.type == timed_out.type].count(
        stale.tenant_id
    ) == 1
    assert all(e.tenant_id != busy.tenant_id for e in tap.received)

    await stale.publish(stale.failed_pipeline("infrastructure", "timeout"))
    (failed,) = await tenant_event(tap, "tenant.provisioning_failed", stale.tenant_id)
    assert failed.data.reason == "timeout"

    async def failed_pipeline() -> dict[str, Any] | None:
        body = await desk.pipeline(stale.tenant_id)
        return body if body["status"] == "FAILED" else None

    done = await eventually(failed_pipeline, what="pipeline FAILED")
    assert (done["failureStep"], done["failureReason"]) == ("infrastructure", "timeout")
    assert await desk.status(stale.tenant_id) == "PROVISION_FAILED"
