"""The audit trail's answers: timeline entries that also name their tenant."""

from __future__ import annotations

from uuid import UUID

from tenant_api.domain.timeline import TimelineEntry
from tenant_api.timeline.models import TimelineEntryOut, entry_out
from tenant_api.web.paging import CursorPage


class AuditEntryOut(TimelineEntryOut):
    tenant_id: UUID


class AuditPage(CursorPage[AuditEntryOut]):
    """Newest first; pass `nextCursor` as `after` for the next page (null: no more)."""


def audit_entry_out(line: TimelineEntry) -> AuditEntryOut:
    return AuditEntryOut(**dict(entry_out(line)), tenant_id=line.tenant_id)
