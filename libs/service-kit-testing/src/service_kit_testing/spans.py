"""Tracing recorded in memory, for tests that read the spans a flow produced."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def recording_spans() -> Iterator[Any]:
    """Tracing on inside the block, every finished span kept in an `InMemorySpanExporter`.

    Whatever runs in this process meanwhile (apps, relays, consumers) records into it.
    """
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from service_kit import tracing

    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "test"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    try:
        yield exporter
    finally:
        tracing.uninstall(provider)
        provider.shutdown()
