"""How long the parking lot keeps a resolved dead letter."""

from __future__ import annotations

from datetime import timedelta

from service_kit.retention import RetentionRule
from tenant_api.adapters.orm import dead_letters
from tenant_api.domain.dead_letters import DISCARDED, REPLAYED


def retention(keep_for: timedelta) -> RetentionRule:
    """Resolved letters go `keep_for` after they were resolved; PARKED ones are never pruned.
    Their actions and timeline entries stay: they are the audit."""
    return RetentionRule(
        dead_letters,
        "resolved_at",
        keep_for,
        only=lambda table: table.c.status.in_([REPLAYED, DISCARDED]),
    )
