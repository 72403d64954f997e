"""The engine runs steps from a poll, yet each step continues the saga's trace from the row."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from service_kit_testing import TestInfra, publish_raw
from shared_schemas import Envelope
from shared_schemas.events import Tier

from ..messages import callback, request  # type: ignore[import-not-found]

TRACE_ID = "5b8aa5a2d2c872e8321cf37308d69df2"
REQUEST_PARENT = "051581bf3cb55c13"
CALLBACK_PARENT = "1b2c3d4e5f607182"


async def publish_in_trace(infra: TestInfra, event: Envelope, parent: str) -> None:
    headers = {"traceparent": f"00-{TRACE_ID}-{parent}-01"}
    await publish_raw(infra, event.type, event.model_dump_json().encode(), headers=headers)


async def span_named(recorded_spans: Any, name: str, timeout: float = 15.0) -> ReadableSpan:
    """The finished span called `name` in this test's trace (spans end after their commit)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        for span in recorded_spans.get_finished_spans():
            if span.name == name and f"{span.context.trace_id:032x}" == TRACE_ID:
                found: ReadableSpan = span
                return found
        if asyncio.get_running_loop().time() > deadline:
            names = sorted({s.name for s in recorded_spans.get_finished_spans()})
            raise AssertionError(f"no span {name!r} in the trace; saw {names}")
        await asyncio.sleep(0.05)


def parent_of(span: ReadableSpan) -> int:
    assert span.parent is not None, f"{span.name} has no parent"
    return span.parent.span_id


async def test_steps_continue_the_request_trace_and_after_the_callback_the_callbacks(
    app: FastAPI, infra: TestInfra, recorded_spans: Any
) -> None:
    req = request(Tier.SILO)
    await publish_in_trace(infra, req, REQUEST_PARENT)
    requested = await span_named(recorded_spans, "consume tenant.provisioning_requested")
    assert requested.kind is SpanKind.CONSUMER
    assert f"{parent_of(requested):016x}" == REQUEST_PARENT

    # Each step continues from whatever last moved the pipeline on: first the handler that
    # created it, then the step before.
    chain = [requested]
    for step in ("preflight", "database", "credentials", "infrastructure"):
        span = await span_named(recorded_spans, f"pipeline step {step}")
        assert parent_of(span) == chain[-1].context.span_id, step
        assert dict(span.attributes or {})["controlplane.pipeline_id"] == str(req.data.pipeline_id)
        chain.append(span)

    # The pipeline waits for its callback; the step after it continues the callback's trace.
    await publish_in_trace(infra, callback(req), CALLBACK_PARENT)
    received = await span_named(recorded_spans, "consume webhook.received")
    assert f"{parent_of(received):016x}" == CALLBACK_PARENT
    billing = await span_named(recorded_spans, "pipeline step billing")
    assert parent_of(billing) == received.context.span_id
    completed = await span_named(recorded_spans, "publish provisioning.completed")
    assert completed.kind is SpanKind.PRODUCER
    assert parent_of(completed) == billing.context.span_id
