"""Prometheus metric families shared by every service, and their exposition.

One process keeps them in the default registry. Several worker processes of one service
(`PROCESSES`, see `service_kit.serve`) keep them in files under `PROMETHEUS_MULTIPROC_DIR`, and
`/metrics` adds the files up. A gauge here is sampled by every worker from the same source (a
table, a queue), so the most recent sample of a live worker is the value (`livemostrecent`).
"""

from __future__ import annotations

import os
from typing import Final

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

SHARED_SAMPLE: Final = "livemostrecent"
# Where the workers of a service run as several processes keep their metrics (set by `serve`).
METRICS_DIR_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
EVENTS_PUBLISHED = Counter("events_published_total", "Events confirmed by the broker", ["type"])
EVENTS_CONSUMED = Counter(
    "events_consumed_total",
    "Deliveries handled, by outcome (processed, duplicate, retried, dead_lettered, requeued)",
    ["consumer", "type", "outcome"],
)
HANDLER_LATENCY = Histogram(
    "event_handler_duration_seconds", "Time spent in an event handler", ["consumer", "type"]
)
TRANSACTION_DELIVERIES = Histogram(
    "consumer_transaction_deliveries",
    "Deliveries committed in one transaction, by consumers that share transactions",
    ["consumer"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)
SHARED_TRANSACTION_FAILURES = Counter(
    "consumer_shared_transaction_failures_total",
    "Shared transactions rolled back, their deliveries then handled one by one",
    ["consumer"],
)
HELD_DELIVERIES = Gauge(
    "consumer_held_deliveries",
    "Deliveries held in place, unacked, while an engine their handler needs is away",
    ["consumer"],
    multiprocess_mode="livesum",
)
OUTAGE_WAITS = Counter(
    "consumer_outage_waits_total",
    "Waits of held deliveries for an engine that is away (one per delivery per round)",
    ["consumer"],
)
OUTBOX_BACKLOG = Gauge(
    "outbox_backlog", "Outbox rows not yet published", multiprocess_mode=SHARED_SAMPLE
)
OUTBOX_OLDEST_AGE = Gauge(
    "outbox_oldest_age_seconds",
    "Age of the oldest unpublished outbox row",
    multiprocess_mode=SHARED_SAMPLE,
)
OUTBOX_PUBLISH_FAILURES = Counter("outbox_publish_failures_total", "Failed outbox publishes")
DLQ_DEPTH = Gauge(
    "dlq_depth",
    "Messages waiting in the service's dead-letter queue",
    ["queue"],
    multiprocess_mode=SHARED_SAMPLE,
)


def exposition() -> bytes:
    """What `/metrics` answers: this process's registry, or every worker's files."""
    directory = os.environ.get(METRICS_DIR_ENV)
    if not directory:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def forget_this_process() -> None:
    """A worker stopping: its gauges no longer count (its counters still do)."""
    directory = os.environ.get(METRICS_DIR_ENV)
    if directory:
        multiprocess.mark_process_dead(os.getpid(), directory)  # type: ignore[no-untyped-call]
