"""A pipeline keeps the trace of the request that started it, for the sweeper to continue."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from opentelemetry.trace import SpanKind

from service_kit.runtime import ServiceRuntime
from tenant_api.pipeline.sweeper import sweep_once

from ..gateway import bearer  # type: ignore[import-not-found]
from ..saga import Sql  # type: ignore[import-not-found]

TRACE_ID = "a3ce929d0e0e47364bf92f3577b34da6"
CLIENT_SPAN = "53995c3f42cd8ad8"


def traceparent(span: Any) -> str:
    ctx = span.context
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{ctx.trace_flags:02x}"


async def test_the_sweeper_times_a_pipeline_out_in_the_trace_of_its_provision_request(
    app: FastAPI,
    client: httpx.AsyncClient,
    token: Callable[..., str],
    new_tenant: Any,
    sql: Sql,
    recorded_spans: Any,
) -> None:
    tenant = await new_tenant()
    response = await client.post(
        f"/tenants/{tenant['id']}/provision",
        headers={**bearer(token("admin")), "traceparent": f"00-{TRACE_ID}-{CLIENT_SPAN}-01"},
    )
    assert response.status_code == 202, response.text
    pipeline_id = uuid.UUID(response.json()["pipelineId"])
    (served,) = [
        s
        for s in recorded_spans.get_finished_spans()
        if s.name == "POST /tenants/{tenant_id}/provision"
    ]
    assert served.kind is SpanKind.SERVER
    assert served.parent is not None
    assert f"{served.parent.span_id:016x}" == CLIENT_SPAN
    (stored,) = await sql(
        "SELECT trace_context FROM tenant_api.pipelines WHERE id = :id", id=pipeline_id
    )
    assert stored.trace_context == {"traceparent": traceparent(served)}

    await sql(
        "UPDATE tenant_api.pipelines SET last_progress_at = now() - interval '10 minutes' "
        "WHERE id = :id",
        id=pipeline_id,
    )
    runtime: ServiceRuntime = app.state.runtime
    async with runtime.uow() as uow:
        timed_out = await sweep_once(uow, now=datetime.now(UTC), stale_after=300, batch=100)
        await uow.commit()
    assert pipeline_id in timed_out

    sweeps = [
        s
        for s in recorded_spans.get_finished_spans()
        if s.name == "sweep pipeline timed out"
        and dict(s.attributes or {})["controlplane.pipeline_id"] == str(pipeline_id)
    ]
    (sweep,) = sweeps
    assert sweep.parent is not None
    assert sweep.parent.span_id == served.context.span_id
    (row,) = await sql(
        "SELECT headers FROM tenant_api.outbox "
        "WHERE event_type = 'tenant.provisioning_timed_out' AND headers->>'x-tenant-id' = :t",
        t=tenant["id"],
    )
    assert row.headers["traceparent"] == traceparent(sweep)
