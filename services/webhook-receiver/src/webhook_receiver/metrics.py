"""webhook-receiver's own Prometheus metric families."""

from __future__ import annotations

from prometheus_client import Counter

DELIVERIES = Counter(
    "webhook_deliveries_total",
    "Webhook deliveries received, by outcome and (for rejections) reason",
    ["scheme", "outcome", "reason"],
)
