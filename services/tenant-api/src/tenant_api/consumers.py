"""What tenant-api consumes: verified leads' facts, and every event for tenants' timelines."""

from __future__ import annotations

from service_kit.consumer import Consumer
from tenant_api import handlers

CONSUMERS = [
    Consumer(name="lead-facts", handlers={"lead.verified": handlers.record_lead_facts}),
    # Bound to every event: the timeline, and so every published event has a route.
    Consumer(name="timeline", bindings=["#"], fallback=handlers.record_timeline),
]
