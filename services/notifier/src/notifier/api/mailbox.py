"""The dev mailbox: what was sent to whom, for developers without a mail server at hand."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from notifier.adapters.mailer import MaildirMailer, eml_path
from notifier.deps import RuntimeDep

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
    mail_dir = runtime.settings.mail_dir
    async with runtime.uow() as uow:
        notifications = await uow.notifications.latest(limit)
    return [
        MailboxEntry(
            **asdict(note),
            path=(
                str(eml_path(mail_dir, note.message_id))
                if note.transport == MaildirMailer.transport
                else None
            ),
        )
        for note in notifications
    ]
