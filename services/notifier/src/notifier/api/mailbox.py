"""The dev mailbox: what was sent to whom, for developers without a mail server at hand."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from notifier.adapters.mailer import MaildirMailer, eml_path
from notifier.adapters.notifications import latest
from notifier.settings import NotifierSettings
from service_kit.app import RuntimeDep

router = APIRouter(prefix="/dev", tags=["dev"])


class MailboxEntry(BaseModel):
    """One notification, without its body: the body holds the lead's secret link."""

    id: UUID
    event_id: UUID
    kind: str
    recipient: str
    subject: str
    status: str
    transport: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    path: str | None = None


@router.get("/mailbox", response_model=list[MailboxEntry])
async def mailbox(
    runtime: RuntimeDep, limit: Annotated[int, Query(ge=1, le=200)] = 20
) -> list[MailboxEntry]:
    """The latest notifications, newest first (for a mail folder, the .eml file's path)."""
    settings = runtime.settings
    assert isinstance(settings, NotifierSettings)
    async with runtime.uow() as uow:
        rows = await latest(uow.session, limit)
    return [
        MailboxEntry(
            id=row.id,
            event_id=row.event_id,
            kind=row.kind,
            recipient=row.recipient,
            subject=row.subject,
            status=row.status,
            transport=row.transport,
            attempts=row.attempts,
            created_at=row.created_at,
            sent_at=row.sent_at,
            last_error=row.last_error,
            path=(
                str(eml_path(settings.mail_dir, row.message_id))
                if row.transport == MaildirMailer.transport
                else None
            ),
        )
        for row in rows
    ]
