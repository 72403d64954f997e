"""A run that no longer waits accepts no new delivery, and still knows the ones it accepted."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from service_kit_testing import SqlRunner, TestInfra, assert_problem, publish_raw
from shared_schemas.events import WebhookRunFinished, WebhookRunFinishedData

from ..conftest import NewCallback, arc_headers, callback_body, standard_headers  # type: ignore[import-not-found]
from .test_duplicates import events_for  # type: ignore[import-not-found]
from .test_run_announcements import finished_flag  # type: ignore[import-not-found]


async def test_a_finished_run_answers_duplicates_and_refuses_new_deliveries(
    client: httpx.AsyncClient,
    event_tap: Any,
    new_callback: NewCallback,
    sql: SqlRunner,
    infra: TestInfra,
) -> None:
    tap = await event_tap("webhook.received")
    callback = await new_callback(standard_headers)
    tenant_id, run = callback.tenant_id, callback.run
    accepted = await callback.post(client)
    assert accepted.status_code == 202, accepted.text
    # The provisioner's step completed: it announces the run finished; the run stays.
    (expires_at,) = await sql(
        "SELECT expires_at FROM webhook_receiver.webhook_runs WHERE pipeline_id = :p",
        p=run.pipeline_id,
    )
    finished = WebhookRunFinished.build(
        WebhookRunFinishedData(
            tenant_id=tenant_id, pipeline_id=run.pipeline_id, expires_at=expires_at[0]
        ),
        producer="provisioner",
        correlation_id=run.pipeline_id,
        tenant_id=tenant_id,
    )
    await publish_raw(infra, finished.type, finished.model_dump_json().encode())
    assert await finished_flag(sql, run.pipeline_id) is True

    again = await callback.post(client)
    fresh_body = callback_body(tenant_id, status=0)
    fresh = await client.post("/webhook", content=fresh_body, headers=arc_headers(run, fresh_body))

    assert again.status_code == 200, again.text
    assert again.json() == {"status": "duplicate"}
    problem = assert_problem(fresh, 401, "unauthorized")  # final
    assert problem["title"] == "Unauthorized"
    assert problem["detail"]
    assert "run_finished" not in fresh.text  # the reason is kept for operators, not told
    rows = await sql(
        "SELECT outcome, reason, pipeline_id FROM webhook_receiver.deliveries"
        " WHERE tenant_id = :t ORDER BY received_at",
        t=tenant_id,
    )
    assert [(r.outcome, r.reason, r.pipeline_id) for r in rows] == [
        ("accepted", None, run.pipeline_id),
        ("duplicate", None, run.pipeline_id),
        ("rejected", "run_finished", run.pipeline_id),
    ]
    events = await events_for(tap, tenant_id, client, new_callback)
    assert [e.data.delivery_id for e in events] == [uuid.UUID(accepted.json()["deliveryId"])]
