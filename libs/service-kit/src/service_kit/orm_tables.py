"""Tables the kit itself needs in every service's schema: the outbox and the inbox.

They carry no schema: engines set `search_path` to the service's schema, and each service's
Alembic migrations create them there alongside its own tables.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

kit_metadata = sa.MetaData()


def stamped(name: str) -> sa.Column[Any]:
    """A time the database sets when the row is written (every service's tables have some)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


outbox_table = sa.Table(
    "outbox",
    kit_metadata,
    sa.Column("id", sa.Uuid, primary_key=True, comment="The event id."),
    sa.Column("event_type", sa.String(100), nullable=False),
    sa.Column("routing_key", sa.String(200), nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False, comment="Exact bytes to publish."),
    sa.Column("headers", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    stamped("created_at"),
    sa.Column("published_at", sa.DateTime(timezone=True)),
    sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("last_error", sa.Text),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
    sa.Index("outbox_pending_idx", "created_at", postgresql_where=sa.text("published_at IS NULL")),
    # The retention job's delete looks published rows up by age.
    sa.Index(
        "outbox_published_idx", "published_at", postgresql_where=sa.text("published_at IS NOT NULL")
    ),
)

inbox_table = sa.Table(
    "inbox",
    kit_metadata,
    sa.Column("event_id", sa.Uuid, primary_key=True),
    sa.Column("consumer", sa.String(100), primary_key=True),
    sa.Column("event_type", sa.String(100), nullable=False),
    stamped("processed_at"),
    sa.Index("inbox_processed_idx", "processed_at"),
)
