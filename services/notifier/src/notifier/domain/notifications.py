"""What a notification is: its kind, its delivery status and the Message-ID it travels under."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid5


class NotificationKind(StrEnum):
    LEAD_VERIFICATION = "lead_verification"
    LEAD_ACCOUNT_EXISTS = "lead_account_exists"
    TENANT_WELCOME = "tenant_welcome"
    PROVISIONING_FAILED_CONTACT = "provisioning_failed_contact"
    PROVISIONING_FAILED_OPS = "provisioning_failed_ops"
    TENANT_OFFBOARDED = "tenant_offboarded"


class NotificationStatus(StrEnum):
    # Recorded, and committed, before the SMTP server is spoken to: a crash after the server
    # accepted but before SENT was recorded leaves SENDING, and the next attempt sends one more
    # copy under the same Message-ID. SMTP gives no more than at least once.
    SENDING = "SENDING"
    SENT = "SENT"
    FAILED = "FAILED"


@dataclass(frozen=True)
class Delivery:
    """One e-mail for one event: what is recorded about it (never its body)."""

    event_id: UUID
    kind: NotificationKind
    recipient: str
    subject: str
    message_id: str
    transport: str


# A failure's reason is kept for the record, cut to a bounded length.
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class AttemptEnd:
    """How an attempt ended, as recorded: SENT at a time, or FAILED for a reason."""

    status: NotificationStatus
    sent_at: datetime | None = None
    error: str | None = None

    @classmethod
    def sent(cls, at: datetime) -> AttemptEnd:
        return cls(NotificationStatus.SENT, sent_at=at)

    @classmethod
    def failed(cls, error: str) -> AttemptEnd:
        return cls(NotificationStatus.FAILED, error=error[:MAX_ERROR_CHARS])


@dataclass(frozen=True)
class Notification:
    """What was recorded of one e-mail: its delivery, status and attempts (never its body)."""

    id: UUID
    event_id: UUID
    kind: NotificationKind
    recipient: str
    subject: str
    status: NotificationStatus
    transport: str
    attempts: int
    message_id: str
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


def message_id(event_id: UUID, kind: NotificationKind, domain: str) -> str:
    """The same event and kind always give the same Message-ID, so receivers can dedupe.

    A name-based UUID keeps the header short enough not to be folded.
    """
    return f"<{uuid5(event_id, kind.value).hex}@{domain}>"
