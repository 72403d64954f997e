"""notifier's tables (schema `notifier`)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)

metadata = MetaData()

notifications = Table(
    "notifications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("event_id", Uuid, nullable=False, comment="The event that asked for this e-mail."),
    Column("kind", String(50), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("message_id", String(300), nullable=False, comment="Deterministic per event and kind."),
    Column("transport", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    Column("last_error", Text),
    # One e-mail of each kind per event, however often the event is delivered.
    UniqueConstraint("event_id", "kind", name="notifications_event_kind_uq"),
    Index("notifications_created_at_idx", "created_at"),
)
