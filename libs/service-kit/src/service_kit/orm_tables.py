"""Tables the kit itself needs in every service's schema: the outbox and the inbox.

They carry no schema: engines set `search_path` to the service's schema, and each service's
Alembic migrations create them there alongside its own tables.
"""

from __future__ import annotations

import sqlalchemy as sa

from service_kit.orm_columns import counter, json_object, key, moment, partial_index, stamped

kit_metadata = sa.MetaData()


outbox_table = sa.Table(
    "outbox",
    kit_metadata,
    key("id", comment="The event id."),
    sa.Column("event_type", sa.String(100), nullable=False),
    sa.Column("routing_key", sa.String(200), nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False, comment="Exact bytes to publish."),
    json_object("headers"),
    stamped("created_at"),
    moment("published_at"),
    counter("attempts"),
    sa.Column("last_error", sa.Text),
    moment("next_attempt_at"),
    partial_index("outbox_pending_idx", "created_at", where="published_at IS NULL"),
    # The retention job's delete looks published rows up by age.
    partial_index("outbox_published_idx", "published_at", where="published_at IS NOT NULL"),
)

inbox_table = sa.Table(
    "inbox",
    kit_metadata,
    key("event_id"),
    sa.Column("consumer", sa.String(100), primary_key=True),
    sa.Column("event_type", sa.String(100), nullable=False),
    stamped("processed_at"),
    sa.Index("inbox_processed_idx", "processed_at"),
)
