"""notifier's tables (schema `notifier`)."""

from __future__ import annotations

import sqlalchemy as sa

from service_kit.orm_columns import counter, key, moment, ref, stamped

metadata = sa.MetaData()

notifications = sa.Table(
    "notifications",
    metadata,
    key("id"),
    ref("event_id", comment="The event that asked for this e-mail."),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    counter("attempts"),
    sa.Column(
        "message_id", sa.String(300), nullable=False, comment="Deterministic per event and kind."
    ),
    sa.Column("transport", sa.String(20), nullable=False),
    stamped("created_at"),
    moment("sent_at"),
    sa.Column("last_error", sa.Text),
    # One e-mail of each kind per event, however often the event is delivered.
    sa.UniqueConstraint("event_id", "kind", name="notifications_event_kind_uq"),
    sa.Index("notifications_created_at_idx", "created_at"),
)
