"""What a notification is: its kind, its delivery status and the Message-ID it travels under."""

from __future__ import annotations

from dataclasses import dataclass
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


def message_id(event_id: UUID, kind: NotificationKind, domain: str) -> str:
    """The same event and kind always give the same Message-ID, so receivers can dedupe.

    A name-based UUID keeps the header short enough not to be folded.
    """
    return f"<{uuid5(event_id, kind.value).hex}@{domain}>"
