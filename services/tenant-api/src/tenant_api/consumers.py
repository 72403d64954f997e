"""What tenant-api consumes: lead facts, the provisioning saga's events, and every event for
tenants' timelines. One queue per concern, so a failing one never holds up the others.

Every handler here only writes tenant-api's own tables through its unit of work, so each
consumer lets deliveries that wait together share a transaction (`shares_transactions`).
Offboarding's, which also writes the export's manifest, is `tenants.offboarding`'s.
"""

from __future__ import annotations

from functools import partial

from service_kit.consumer import Consumer
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.invoices import billing
from tenant_api.leads.facts import record_lead_facts
from tenant_api.pipeline import outcomes
from tenant_api.pipeline import steps as pipeline_steps
from tenant_api.timeline.recorder import record_timeline

_shared = partial(Consumer[TenantApiUnitOfWork], shares_transactions=True)

CONSUMERS = [
    _shared(name="lead-facts", handlers={"lead.verified": record_lead_facts}),
    _shared(
        name="pipeline-steps",
        handlers=dict.fromkeys(
            (
                "provisioning.step_started",
                "provisioning.step_succeeded",
                "provisioning.step_failed",
                "provisioning.step_compensated",
            ),
            pipeline_steps.record_step,
        ),
    ),
    _shared(
        name="pipeline-outcomes",
        handlers={
            "provisioning.completed": outcomes.complete,
            "provisioning.failed": outcomes.fail,
            "provisioning.cancelled": outcomes.confirm_cancel,
        },
    ),
    _shared(name="invoices", handlers={"billing.invoice_issued": billing.record_invoice}),
    # Bound to every event: the timeline, and so every published event has a route.
    _shared(name="timeline", bindings=["#"], fallback=record_timeline),
]
