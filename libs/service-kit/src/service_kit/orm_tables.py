"""Tables the kit itself needs in every service's schema: the outbox and the inbox.

They carry no schema: engines set `search_path` to the service's schema, and each service's
Alembic migrations create them there alongside its own tables.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

kit_metadata = MetaData()

outbox_table = Table(
    "outbox",
    kit_metadata,
    Column("id", Uuid, primary_key=True, comment="The event id."),
    Column("event_type", String(100), nullable=False),
    Column("routing_key", String(200), nullable=False),
    Column("payload", LargeBinary, nullable=False, comment="Exact bytes to publish."),
    Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    Column("next_attempt_at", DateTime(timezone=True)),
    Index("outbox_pending_idx", "created_at", postgresql_where=text("published_at IS NULL")),
    # The retention job's delete looks published rows up by age.
    Index(
        "outbox_published_idx", "published_at", postgresql_where=text("published_at IS NOT NULL")
    ),
)

inbox_table = Table(
    "inbox",
    kit_metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("consumer", String(100), primary_key=True),
    Column("event_type", String(100), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("inbox_processed_idx", "processed_at"),
)
