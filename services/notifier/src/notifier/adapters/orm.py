"""notifier's tables (schema `notifier`)."""

from __future__ import annotations

import sqlalchemy as sa

from service_kit.orm_tables import stamped

metadata = sa.MetaData()

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("event_id", sa.Uuid, nullable=False, comment="The event that asked for this e-mail."),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column(
        "message_id", sa.String(300), nullable=False, comment="Deterministic per event and kind."
    ),
    sa.Column("transport", sa.String(20), nullable=False),
    stamped("created_at"),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Column("last_error", sa.Text),
    # One e-mail of each kind per event, however often the event is delivered.
    sa.UniqueConstraint("event_id", "kind", name="notifications_event_kind_uq"),
    sa.Index("notifications_created_at_idx", "created_at"),
)
