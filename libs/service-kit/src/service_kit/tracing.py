"""Distributed tracing: OpenTelemetry spans exported over OTLP/HTTP, W3C trace context carried.

Off unless an OTLP endpoint is configured. Off means no provider, no exporter, no spans and no
`traceparent` added anywhere: every helper here returns at once. The active provider is the
kit's own (not OpenTelemetry's global one), so that in-process tests can install and remove
one freely; a service process installs exactly one, in its runtime's start, and flushes and
shuts it down in its stop.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import INVALID_SPAN, Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import Attributes

from service_kit.settings import ServiceSettings

TRACE_HEADERS = ("traceparent", "tracestate")
_PROPAGATOR = TraceContextTextMapPropagator()
_INSTRUMENTATION = "service_kit"


class _Active:
    provider: TracerProvider | None = None
    tracer: trace.Tracer | None = None


def enabled() -> bool:
    return _Active.tracer is not None


def install(provider: TracerProvider) -> None:
    """Make `provider` the one every span of this process goes to."""
    _Active.provider = provider
    _Active.tracer = provider.get_tracer(_INSTRUMENTATION)


def uninstall(provider: TracerProvider) -> None:
    if _Active.provider is provider:
        _Active.provider = None
        _Active.tracer = None


def traces_endpoint(settings: ServiceSettings) -> str | None:
    """Where spans go: the traces endpoint as given, else `/v1/traces` under the base one."""
    if settings.otel_exporter_otlp_traces_endpoint:
        return settings.otel_exporter_otlp_traces_endpoint
    if settings.otel_exporter_otlp_endpoint:
        return settings.otel_exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
    return None


def resource_for(settings: ServiceSettings) -> Resource:
    """service.name (OTEL_SERVICE_NAME wins), version, environment, instance; plus
    OTEL_RESOURCE_ATTRIBUTES, which the SDK merges in underneath these."""
    try:
        service_version = version(settings.service_name)
    except PackageNotFoundError:
        service_version = "unknown"
    return Resource.create(
        {
            "service.name": settings.otel_service_name or settings.service_name,
            "service.version": service_version,
            "service.instance.id": f"{socket.gethostname()}:{os.getpid()}",
            "deployment.environment.name": settings.environment,
        }
    )


def setup_tracing(settings: ServiceSettings) -> TracerProvider | None:
    """Build and install a provider exporting in batches over OTLP/HTTP; None when off."""
    endpoint = traces_endpoint(settings)
    if endpoint is None:
        return None
    # Imported only when on: the exporter pulls in requests and protobuf.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(resource=resource_for(settings))
    provider.add_span_processor(
        BatchSpanProcessor(
            OTLPSpanExporter(endpoint=endpoint),
            schedule_delay_millis=settings.otel_bsp_schedule_delay,
        )
    )
    install(provider)
    return provider


def shutdown_tracing(provider: TracerProvider | None, timeout_millis: int = 5000) -> None:
    """Export what is still queued, then stop (blocking: the exporter is synchronous)."""
    if provider is None:
        return
    try:
        provider.force_flush(timeout_millis)
        provider.shutdown()
    finally:
        uninstall(provider)


@contextmanager
def span(
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    parent: Context | None = None,
    attributes: Attributes = None,
) -> Iterator[Span]:
    """A span, current while the block runs (exceptions recorded); a no-op span when off.

    `parent` (from `extract`) starts it under that context instead of the current one.
    """
    tracer = _Active.tracer
    if tracer is None:
        yield INVALID_SPAN
        return
    with tracer.start_as_current_span(
        name, context=parent, kind=kind, attributes=attributes
    ) as current:
        yield current


def current_span() -> Span:
    """The active span (a no-op one when there is none or tracing is off)."""
    return trace.get_current_span() if _Active.tracer is not None else INVALID_SPAN


def record_error(error: BaseException | str, target: Span | None = None) -> None:
    """Mark the span (default: the current one) failed, with the exception when there is one."""
    failed = target or current_span()
    if not failed.is_recording():
        return
    if isinstance(error, BaseException):
        failed.record_exception(error)
        failed.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"[:500]))
    else:
        failed.set_status(Status(StatusCode.ERROR, error[:500]))


def inject(headers: MutableMapping[str, Any]) -> None:
    """Put the current span's `traceparent` (and `tracestate`) into `headers`, when on."""
    if _Active.tracer is not None:
        _PROPAGATOR.inject(headers)


def carrier() -> dict[str, str]:
    """The current trace context as headers ({} when off or outside any span)."""
    headers: dict[str, str] = {}
    inject(headers)
    return headers


def extract(headers: Mapping[str, Any] | None) -> Context:
    """The context a `traceparent` in `headers` names, as a parent for `span`.

    Empty (so the span starts a new trace) when there is none or it is malformed.
    """
    if _Active.tracer is None or not headers or not headers.get("traceparent"):
        return Context()
    return _PROPAGATOR.extract({k: _text(headers[k]) for k in TRACE_HEADERS if headers.get(k)})


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes | bytearray) else str(value)
