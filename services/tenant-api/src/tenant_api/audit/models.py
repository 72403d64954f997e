"""The audit trail's answers: timeline entries that also name their tenant."""

from __future__ import annotations

from uuid import UUID

from shared_schemas.api.base import ApiModel
from tenant_api.domain.timeline import TimelineEntry
from tenant_api.timeline.models import TimelineEntryOut, entry_out


class AuditEntryOut(TimelineEntryOut):
    tenant_id: UUID


class AuditPage(ApiModel):
    """Newest first; pass `nextCursor` as `after` for the next page (null: no more)."""

    items: list[AuditEntryOut]
    next_cursor: str | None = None


def audit_entry_out(line: TimelineEntry) -> AuditEntryOut:
    return AuditEntryOut(**dict(entry_out(line)), tenant_id=line.tenant_id)
