"""SERVER spans around a kit app's requests, CLIENT spans and `traceparent` on calls out."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from opentelemetry.trace import SpanKind, StatusCode

from service_kit import tracing
from service_kit.app import build_app
from service_kit.http_tracing import traced_client
from service_kit.runtime import kit_runtime
from service_kit.settings import ServiceSettings

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


@pytest.fixture
def app() -> FastAPI:
    router = APIRouter()

    @router.post("/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    @router.get("/broken")
    async def broken() -> None:
        raise RuntimeError("broken on purpose")

    settings = ServiceSettings(service_name="kit-http", otel_exporter_otlp_endpoint=None)
    # Never started: these routes need no database or broker.
    return build_app(kit_runtime(settings), title="kit-http", routers=[router])


def client_for(app: FastAPI, **kwargs: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://kit", **kwargs)


async def test_a_request_continues_the_callers_trace_in_a_span_named_by_its_route(
    app: FastAPI, recorded_spans: Any
) -> None:
    async with client_for(app) as client:
        response = await client.post(
            "/things/42",
            headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01", "x-request-id": "req-7"},
        )
        assert response.status_code == 200
        assert (await client.get("/healthz")).status_code == 200

    (server,) = recorded_spans.get_finished_spans()
    assert server.name == "POST /things/{thing_id}"
    assert server.kind is SpanKind.SERVER
    assert f"{server.context.trace_id:032x}" == TRACE_ID
    assert server.parent is not None
    assert f"{server.parent.span_id:016x}" == PARENT_ID
    assert server.status.status_code is StatusCode.UNSET
    attributes = dict(server.attributes or {})
    assert attributes["http.route"] == "/things/{thing_id}"
    assert attributes["http.request.method"] == "POST"
    assert attributes["url.path"] == "/things/42"
    assert attributes["http.response.status_code"] == 200
    assert attributes["controlplane.request_id"] == "req-7"


async def test_a_request_that_crashes_is_a_failed_span_with_the_exception(
    app: FastAPI, recorded_spans: Any
) -> None:
    async with client_for(app) as client:
        assert (await client.get("/broken")).status_code == 500

    (server,) = recorded_spans.get_finished_spans()
    assert server.name == "GET /broken"
    assert server.parent is None  # no traceparent came in: a trace of its own
    assert server.status.status_code is StatusCode.ERROR
    assert dict(server.attributes or {})["http.response.status_code"] == 500
    (event,) = server.events
    assert dict(event.attributes or {})["exception.message"] == "broken on purpose"


async def test_a_middleware_a_service_adds_later_still_answers_inside_the_span(
    app: FastAPI, recorded_spans: Any
) -> None:
    async def refuse_all(scope: Any, receive: Any, send: Any) -> None:
        await JSONResponse({"title": "Too Many Requests"}, status_code=429)(scope, receive, send)

    app.add_middleware(lambda _inner: refuse_all)
    async with client_for(app) as client:
        assert (await client.post("/things/1")).status_code == 429

    (server,) = recorded_spans.get_finished_spans()
    assert server.name == "POST"  # refused before any route matched
    assert dict(server.attributes or {})["http.response.status_code"] == 429


async def test_a_traced_client_sends_its_span_as_traceparent_and_the_server_continues_it(
    app: FastAPI, recorded_spans: Any
) -> None:
    inner = httpx.ASGITransport(app=app)
    async with traced_client(peer="kit-http", transport=inner, base_url="http://kit") as client:
        with tracing.span("caller") as caller:
            response = await client.post("/things/7")
    assert response.status_code == 200

    spans = {s.name: s for s in recorded_spans.get_finished_spans()}
    outgoing, served = spans["POST kit-http"], spans["POST /things/{thing_id}"]
    assert outgoing.kind is SpanKind.CLIENT
    assert outgoing.parent is not None
    assert outgoing.parent.span_id == caller.get_span_context().span_id
    assert served.parent is not None
    assert served.parent.span_id == outgoing.context.span_id
    assert {s.context.trace_id for s in spans.values()} == {caller.get_span_context().trace_id}
    assert dict(outgoing.attributes or {})["url.full"] == "http://kit/things/7"
    assert dict(outgoing.attributes or {})["http.response.status_code"] == 200


async def test_off_a_traced_client_adds_no_traceparent() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    assert not tracing.enabled()
    transport = httpx.MockTransport(answer)
    async with traced_client(peer="anyone", transport=transport) as client:
        with tracing.span("nothing"):
            await client.post("http://anyone.example/x", headers={"traceparent": "kept-as-sent"})
            await client.post("http://anyone.example/y")
    assert [r.headers.get("traceparent") for r in seen] == ["kept-as-sent", None]
