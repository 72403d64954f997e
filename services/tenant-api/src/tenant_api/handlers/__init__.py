"""tenant-api's use cases. They never commit: the request, consumer runner or sweeper does."""

from tenant_api.handlers.onboarding import (
    Onboard,
    onboard,
    record_lead_facts,
    wait_for_lead_facts,
)
from tenant_api.handlers.timeline import record_timeline

__all__ = ["Onboard", "onboard", "record_lead_facts", "record_timeline", "wait_for_lead_facts"]
