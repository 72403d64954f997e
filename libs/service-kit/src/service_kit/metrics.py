"""Prometheus metric families shared by every service (one process, one registry)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
    "Deliveries handled, by outcome (processed, duplicate, retried, dead_lettered)",
    ["consumer", "type", "outcome"],
)
HANDLER_LATENCY = Histogram(
    "event_handler_duration_seconds", "Time spent in an event handler", ["consumer", "type"]
)
OUTBOX_BACKLOG = Gauge("outbox_backlog", "Outbox rows not yet published")
OUTBOX_OLDEST_AGE = Gauge("outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row")
OUTBOX_PUBLISH_FAILURES = Counter("outbox_publish_failures_total", "Failed outbox publishes")
DLQ_DEPTH = Gauge("dlq_depth", "Messages waiting in the service's dead-letter queue", ["queue"])
