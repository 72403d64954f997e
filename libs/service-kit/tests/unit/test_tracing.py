"""Trace context in and out of headers, what "off" means, and setting tracing up from settings."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.trace import SpanKind

from service_kit import tracing
from service_kit.logging import add_trace_ids
from service_kit.settings import ServiceSettings

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"


def settings(**values: Any) -> ServiceSettings:
    defaults: dict[str, Any] = {
        "service_name": "kit-test",
        "otel_exporter_otlp_endpoint": None,
        "otel_exporter_otlp_traces_endpoint": None,
        "otel_service_name": None,
    }
    return ServiceSettings(**{**defaults, **values})


def test_a_carrier_names_the_current_span_and_extracting_it_continues_the_trace(
    recorded_spans: Any,
) -> None:
    with tracing.span("upstream") as upstream:
        headers = tracing.carrier()
    ctx = upstream.get_span_context()
    assert headers == {
        "traceparent": f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{ctx.trace_flags:02x}"
    }

    with tracing.span("downstream", parent=tracing.extract(headers)):
        pass
    downstream = next(s for s in recorded_spans.get_finished_spans() if s.name == "downstream")
    assert downstream.context.trace_id == ctx.trace_id
    assert downstream.parent is not None
    assert downstream.parent.span_id == ctx.span_id


def test_tracestate_and_byte_values_as_amqp_delivers_them_round_trip(recorded_spans: Any) -> None:
    incoming = {"traceparent": TRACEPARENT.encode(), "tracestate": b"vendor=abc", "x-other": 1}
    with tracing.span("handler", parent=tracing.extract(incoming)) as handler:
        onward = tracing.carrier()
    ctx = handler.get_span_context()
    assert f"{ctx.trace_id:032x}" == TRACE_ID
    assert onward == {
        "traceparent": f"00-{TRACE_ID}-{ctx.span_id:016x}-{ctx.trace_flags:02x}",
        "tracestate": "vendor=abc",
    }


@pytest.mark.parametrize(
    "headers",
    [None, {}, {"traceparent": ""}, {"traceparent": "garbage"}, {"tracestate": "vendor=abc"}],
)
def test_without_a_valid_traceparent_a_span_starts_a_new_trace(
    recorded_spans: Any, headers: dict[str, str] | None
) -> None:
    with tracing.span("outer"), tracing.span("root", parent=tracing.extract(headers)):
        pass
    root = next(s for s in recorded_spans.get_finished_spans() if s.name == "root")
    assert root.parent is None


def test_an_exception_in_a_span_is_recorded_and_fails_it(recorded_spans: Any) -> None:
    with pytest.raises(ValueError, match="boom"), tracing.span("doomed"):
        raise ValueError("boom")
    (doomed,) = recorded_spans.get_finished_spans()
    assert not doomed.status.is_ok
    assert [e.name for e in doomed.events] == ["exception"]


def test_off_there_are_no_spans_and_no_trace_headers() -> None:
    assert tracing.setup_tracing(settings()) is None
    assert not tracing.enabled()
    with tracing.span("nothing", kind=SpanKind.SERVER) as span:
        assert not span.is_recording()
        assert tracing.carrier() == {}
        headers: dict[str, Any] = {"x-event-id": "1"}
        tracing.inject(headers)
        assert headers == {"x-event-id": "1"}
    assert not tracing.current_span().is_recording()
    assert tracing.extract({"traceparent": TRACEPARENT}) == {}


def test_the_traces_endpoint_is_given_or_derived_from_the_base_one() -> None:
    assert tracing.traces_endpoint(settings()) is None
    base = settings(otel_exporter_otlp_endpoint="http://collector:4318/")
    assert tracing.traces_endpoint(base) == "http://collector:4318/v1/traces"
    exact = settings(
        otel_exporter_otlp_endpoint="http://collector:4318",
        otel_exporter_otlp_traces_endpoint="https://traces.example/api/otlp",
    )
    assert tracing.traces_endpoint(exact) == "https://traces.example/api/otlp"
    assert tracing.traces_endpoint(settings(otel_exporter_otlp_endpoint="  ")) is None
    with pytest.raises(ValueError, match="http"):
        settings(otel_exporter_otlp_endpoint="collector:4318")


def test_the_resource_names_the_service_unless_otel_service_name_does() -> None:
    attributes = tracing.resource_for(settings(environment="test")).attributes
    assert attributes["service.name"] == "kit-test"
    assert attributes["service.version"]
    assert attributes["deployment.environment.name"] == "test"
    renamed = tracing.resource_for(settings(otel_service_name="kit-renamed")).attributes
    assert renamed["service.name"] == "kit-renamed"


class _Collector(ThreadingHTTPServer):
    requests: list[tuple[str, str, ExportTraceServiceRequest]]


class _Handler(BaseHTTPRequestHandler):
    server: _Collector

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        self.server.requests.append((self.path, self.headers["content-type"], request))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def collector() -> Iterator[_Collector]:
    server = _Collector(("127.0.0.1", 0), _Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_spans_still_queued_are_exported_when_tracing_shuts_down(collector: _Collector) -> None:
    host, port = collector.server_address[:2]
    provider = tracing.setup_tracing(
        settings(
            otel_exporter_otlp_endpoint=f"http://{host!s}:{port}",
            otel_bsp_schedule_delay=600_000,  # only the shutdown flush can send it
        )
    )
    assert provider is not None
    try:
        assert tracing.enabled()
        with tracing.span("last words"):
            pass
        assert collector.requests == []
    finally:
        tracing.shutdown_tracing(provider)
    assert not tracing.enabled()
    ((path, content_type, request),) = collector.requests
    assert (path, content_type) == ("/v1/traces", "application/x-protobuf")
    (resource_spans,) = request.resource_spans
    resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert resource["service.name"] == "kit-test"
    names = [s.name for scope in resource_spans.scope_spans for s in scope.spans]
    assert names == ["last words"]


def test_log_lines_name_the_active_span_and_nothing_when_off(recorded_spans: Any) -> None:
    with tracing.span("logging") as active:
        line = add_trace_ids(None, "info", {"event": "inside"})
    ctx = active.get_span_context()
    assert line == {
        "event": "inside",
        "trace_id": f"{ctx.trace_id:032x}",
        "span_id": f"{ctx.span_id:016x}",
    }
    assert add_trace_ids(None, "info", {"event": "outside"}) == {"event": "outside"}


def test_log_lines_carry_no_trace_ids_when_tracing_is_off() -> None:
    with tracing.span("nothing"):
        assert add_trace_ids(None, "info", {"event": "x"}) == {"event": "x"}
