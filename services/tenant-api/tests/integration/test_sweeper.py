"""The stale-pipeline sweeper: several at once still time out each stale pipeline once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from service_kit.runtime import ServiceRuntime
from tenant_api.pipeline.sweeper import sweep_once

from ..saga import FakeProvisioner, Sql, tenant_event  # type: ignore[import-not-found]

Provisioning = Callable[..., Awaitable[FakeProvisioner]]
STALE_AFTER = 300.0  # the pipelines below are 10 minutes old; the app's own sweeper waits 900 s


async def sweep_until_done(runtime: ServiceRuntime, now: datetime) -> list[uuid.UUID]:
    """One sweeper replica: rounds of one pipeline each until there is nothing left."""
    taken: list[uuid.UUID] = []
    while True:
        async with runtime.uow() as uow:
            got = await sweep_once(uow, now=now, stale_after=STALE_AFTER, batch=1)
            await uow.commit()
        if not got:
            return taken
        taken += got


async def test_concurrent_sweepers_publish_one_timeout_per_stale_pipeline(
    app: FastAPI, provisioning: Provisioning, sql: Sql, event_tap: Any
) -> None:
    tap = await event_tap("tenant.provisioning_timed_out")
    sagas = [await provisioning() for _ in range(6)]
    mine = {s.pipeline_id for s in sagas}
    await sql(
        "UPDATE tenant_api.pipelines SET last_progress_at = now() - interval '10 minutes' "
        "WHERE id = ANY(:ids)",
        ids=list(mine),
    )
    runtime: ServiceRuntime = app.state.runtime
    now = datetime.now(UTC)

    # Replica A holds its rows (not yet committed) while replica B sweeps: B skips them.
    async with runtime.uow() as a, runtime.uow() as b:
        took_a = await sweep_once(a, now=now, stale_after=STALE_AFTER, batch=2)
        took_b = await sweep_once(b, now=now, stale_after=STALE_AFTER, batch=2)
        assert took_a
        assert took_b
        assert set(took_a).isdisjoint(took_b)
        await a.commit()
        await b.commit()
    # Then four replicas race over the rest.
    rounds = await asyncio.gather(*(sweep_until_done(runtime, now) for _ in range(4)))
    taken = [p for p in [*took_a, *took_b, *(p for r in rounds for p in r)] if p in mine]
    assert sorted(taken) == sorted(mine)  # each once, none twice

    rows = await sql(
        "SELECT p.id, p.status, "
        "  (SELECT count(*) FROM tenant_api.outbox o "
        "   WHERE o.event_type = 'tenant.provisioning_timed_out' "
        "     AND o.headers->>'x-tenant-id' = p.tenant_id::text) AS published "
        "FROM tenant_api.pipelines p WHERE p.id = ANY(:ids)",
        ids=list(mine),
    )
    assert {(r.status, r.published) for r in rows} == {("TIMING_OUT", 1)}
    for saga in sagas:
        (event,) = await tenant_event(tap, "tenant.provisioning_timed_out", saga.tenant_id)
        assert event.data.pipeline_id == saga.pipeline_id
        assert event.correlation_id == saga.pipeline_id
    await asyncio.sleep(1.0)  # anything published twice would have arrived by now
    for saga in sagas:
        assert len([e for e in tap.received if e.tenant_id == saga.tenant_id]) == 1

    async with runtime.uow() as again:
        later = await sweep_once(again, now=datetime.now(UTC), stale_after=STALE_AFTER, batch=100)
    assert mine.isdisjoint(later)
