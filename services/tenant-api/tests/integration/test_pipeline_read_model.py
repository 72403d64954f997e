"""Step events in order, or shuffled and duplicated, give the same pipeline JSON; step events
of an older run or of an unknown pipeline change nothing."""

from __future__ import annotations

import random
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx

from shared_schemas import Envelope

from ..gateway import bearer  # type: ignore[import-not-found]
from ..saga import FakeProvisioner, Sql, at, eventually, processed  # type: ignore[import-not-found]

Provisioning = Callable[..., Awaitable[FakeProvisioner]]


def life_of_a_pipeline(saga: FakeProvisioner) -> list[Envelope]:
    """A silo pipeline whose infrastructure step fails for good, then is compensated."""
    return [
        saga.started("preflight", 1, at(0)),
        saga.succeeded("preflight", 1, at(1)),
        saga.started("database", 1, at(2)),
        saga.failed("database", 1, at(3), "connection refused", will_retry=True),
        saga.started("database", 2, at(5)),
        saga.succeeded("database", 2, at(6)),
        saga.started("credentials", 1, at(7)),
        saga.succeeded("credentials", 1, at(8)),
        saga.started("infrastructure", 1, at(9)),
        saga.failed("infrastructure", 1, at(20), "callback said no", will_retry=False),
        saga.compensated("credentials", at(21)),
        saga.compensated("database", at(22)),
    ]


def without_identity(pipeline: dict[str, Any]) -> dict[str, Any]:
    """What must agree between two pipelines fed the same events."""
    volatile = {"id", "tenantId", "startedAt", "lastProgressAt", "requestedBy"}
    return {k: v for k, v in pipeline.items() if k not in volatile}


async def test_order_and_duplicates_do_not_change_the_pipeline(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    provisioning: Provisioning,
    sql: Sql,
) -> None:
    in_order, shuffled = await provisioning(tier="silo"), await provisioning(tier="silo")
    ordered_events = life_of_a_pipeline(in_order)
    await in_order.publish(*ordered_events)

    mixed = life_of_a_pipeline(shuffled)
    rng = random.Random(7)
    # The same bytes twice (a redelivery), and the same facts under new ids (a re-emission).
    redelivered = rng.sample(mixed, 4)
    re_emitted = [
        e.model_copy(update={"id": shuffled.started("x", 1, at(0)).id})
        for e in rng.sample(mixed, 3)
    ]
    everything = [*mixed, *redelivered, *re_emitted]
    rng.shuffle(everything)
    await shuffled.publish(*everything)

    await processed(sql, "pipeline-steps", ordered_events)
    await processed(sql, "pipeline-steps", [*mixed, *re_emitted])
    admin = bearer(token("admin"))
    a = (await client.get(f"/tenants/{in_order.tenant_id}/pipeline", headers=admin)).json()
    b = (await client.get(f"/tenants/{shuffled.tenant_id}/pipeline", headers=admin)).json()
    assert without_identity(a) == without_identity(b)

    steps = {s["name"]: s for s in a["steps"]}
    assert [s["name"] for s in a["steps"]] == [
        "preflight",
        "database",
        "credentials",
        "infrastructure",
    ]
    assert {n: s["status"] for n, s in steps.items()} == {
        "preflight": "SUCCEEDED",
        "database": "COMPENSATED",
        "credentials": "COMPENSATED",
        "infrastructure": "FAILED",
    }
    assert (steps["database"]["attempts"], steps["database"]["lastError"]) == (
        2,
        "connection refused",
    )
    assert steps["infrastructure"]["lastError"] == "callback said no"
    assert datetime.fromisoformat(steps["preflight"]["startedAt"]) == at(0)
    assert datetime.fromisoformat(steps["infrastructure"]["finishedAt"]) == at(20)
    # The pipeline itself runs on until provisioning.failed says otherwise.
    assert a["status"] == "RUNNING"
    last_progress = await sql(
        "SELECT last_progress_at FROM tenant_api.pipelines WHERE id = :p", p=shuffled.pipeline_id
    )
    assert last_progress[0].last_progress_at == at(22)


async def test_step_events_of_an_older_run_or_an_unknown_pipeline_change_nothing(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    provisioning: Provisioning,
    sql: Sql,
) -> None:
    admin = bearer(token("admin"))
    first = await provisioning()
    began = first.started("preflight", 1, at(0))
    await first.publish(began)
    await processed(sql, "pipeline-steps", [began])
    assert (await client.post(f"/tenants/{first.tenant_id}/cancel", headers=admin)).is_success
    await first.publish(first.cancelled())

    async def cancelled() -> bool:
        url = f"/tenants/{first.tenant_id}"
        return bool((await client.get(url, headers=admin)).json()["status"] == "CANCELLED")

    await eventually(cancelled, what="CANCELLED")
    retried = await client.post(f"/tenants/{first.tenant_id}/provision", headers=admin)
    assert retried.status_code == 202, retried.text
    second = FakeProvisioner(first.infra, first.tenant_id, uuid.UUID(retried.json()["pipelineId"]))
    unknown = FakeProvisioner(first.infra, first.tenant_id, uuid.uuid4())

    late = [first.succeeded("preflight", 1, at(50)), first.started("database", 1, at(51))]
    stray = [unknown.started("preflight", 1, at(52))]
    current = [second.started("preflight", 1, at(60))]
    await second.publish(*late, *stray, *current)
    await processed(sql, "pipeline-steps", [*late, *stray, *current])

    rows = await sql(
        "SELECT p.run, s.step, s.status, p.last_progress_at FROM tenant_api.pipelines p "
        "LEFT JOIN tenant_api.pipeline_steps s ON s.pipeline_id = p.id "
        "WHERE p.tenant_id = :t ORDER BY p.run, s.step",
        t=first.tenant_id,
    )
    # The first run keeps the step it had when it was current; the second has only its own.
    assert [(r.run, r.step, r.status) for r in rows] == [
        (1, "preflight", "IN_PROGRESS"),
        (2, "preflight", "IN_PROGRESS"),
    ]
    assert rows[1].last_progress_at == at(60)
    assert not await sql(
        "SELECT 1 FROM tenant_api.pipeline_steps WHERE pipeline_id = :p", p=unknown.pipeline_id
    )
    pipeline = (await client.get(f"/tenants/{first.tenant_id}/pipeline", headers=admin)).json()
    assert (pipeline["run"], [s["name"] for s in pipeline["steps"]]) == (2, ["preflight"])
