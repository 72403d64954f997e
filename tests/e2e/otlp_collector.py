"""An OTLP/HTTP collector stand-in: takes `POST /v1/traces` (protobuf) and keeps every span."""

from __future__ import annotations

import asyncio
import gzip
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

PROTOBUF = "application/x-protobuf"


@dataclass(frozen=True)
class CollectedSpan:
    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    service: str
    kind: int
    attributes: dict[str, Any] = field(default_factory=dict)


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind in {"string_value", "bool_value", "int_value"} else None


def spans_of(request: ExportTraceServiceRequest) -> list[CollectedSpan]:
    found: list[CollectedSpan] = []
    for resource_spans in request.resource_spans:
        resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                found.append(
                    CollectedSpan(
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_id=span.parent_span_id.hex() or None,
                        name=span.name,
                        service=str(resource.get("service.name")),
                        kind=span.kind,
                        attributes={a.key: _value(a.value) for a in span.attributes},
                    )
                )
    return found


class OtlpCollector:
    """A real HTTP server on a free loopback port, in a thread of the test process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spans: list[CollectedSpan] = []
        self.refused: list[str] = []  # why a request was not an OTLP trace export
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> OtlpCollector:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def spans(
        self,
        trace_id: str | None = None,
        where: Callable[[CollectedSpan], bool] | None = None,
    ) -> list[CollectedSpan]:
        with self._lock:
            collected = list(self._spans)
        return [
            s
            for s in collected
            if (trace_id is None or s.trace_id == trace_id) and (where is None or where(s))
        ]

    async def wait_for(
        self,
        check: Callable[[list[CollectedSpan]], bool],
        *,
        trace_id: str | None = None,
        where: Callable[[CollectedSpan], bool] | None = None,
        timeout: float = 30.0,
        what: str = "spans",
    ) -> list[CollectedSpan]:
        """The spans (of `trace_id`, those `where` keeps) once `check` holds for them; fail
        after `timeout` seconds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            spans = self.spans(trace_id, where)
            if check(spans):
                return spans
            if asyncio.get_running_loop().time() > deadline:
                seen = sorted({(s.service, s.name) for s in spans})
                raise AssertionError(f"{what} not collected within {timeout}s; have {seen}")
            await asyncio.sleep(0.1)

    def _add(self, spans: list[CollectedSpan]) -> None:
        with self._lock:
            self._spans.extend(spans)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                if self.path != "/v1/traces":
                    self._refuse(404, f"{self.path}: not an OTLP traces path")
                    return
                if self.headers.get("content-type") != PROTOBUF:
                    self._refuse(415, f"content-type {self.headers.get('content-type')}")
                    return
                if self.headers.get("content-encoding") == "gzip":
                    body = gzip.decompress(body)
                request = ExportTraceServiceRequest()
                try:
                    request.ParseFromString(body)
                except Exception as exc:  # a broken export is the exporter's bug: show it
                    self._refuse(400, f"unparsable export: {exc!r}")
                    return
                collector._add(spans_of(request))
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("content-type", PROTOBUF)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def _refuse(self, status: int, why: str) -> None:
                collector.refused.append(why)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        return Handler
