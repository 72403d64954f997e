"""What tenant-api consumes: lead facts, the provisioning saga's events, and every event for
tenants' timelines. One queue per concern, so a failing one never holds up the others.

Every handler here only writes tenant-api's own tables through its unit of work, so each
consumer lets deliveries that wait together share a transaction (`shares_transactions`).
"""

from __future__ import annotations

from service_kit.consumer import Consumer
from tenant_api import handlers
from tenant_api.handlers import billing, offboarding, outcomes, pipeline_steps

CONSUMERS = [
    Consumer(
        name="lead-facts",
        handlers={"lead.verified": handlers.record_lead_facts},
        shares_transactions=True,
    ),
    Consumer(
        name="pipeline-steps",
        handlers={
            "provisioning.step_started": pipeline_steps.record_step,
            "provisioning.step_succeeded": pipeline_steps.record_step,
            "provisioning.step_failed": pipeline_steps.record_step,
            "provisioning.step_compensated": pipeline_steps.record_step,
        },
        shares_transactions=True,
    ),
    Consumer(
        name="pipeline-outcomes",
        handlers={
            "provisioning.completed": outcomes.complete,
            "provisioning.failed": outcomes.fail,
            "provisioning.cancelled": outcomes.confirm_cancel,
        },
        shares_transactions=True,
    ),
    Consumer(
        name="invoices",
        handlers={"billing.invoice_issued": billing.record_invoice},
        shares_transactions=True,
    ),
    Consumer(
        name="offboarding",
        handlers={"tenant.deprovisioned": offboarding.finish_offboarding},
        shares_transactions=True,
    ),
    # Bound to every event: the timeline, and so every published event has a route.
    Consumer(
        name="timeline",
        bindings=["#"],
        fallback=handlers.record_timeline,
        shares_transactions=True,
    ),
]
