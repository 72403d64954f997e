"""provisioner's tables (schema `provisioner`)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from service_kit.db import constant

metadata = MetaData()

pipelines = Table(
    "pipelines",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False),
    Column("tenant_key", String(20), nullable=False),
    Column("tenant_name", String(200), nullable=False),
    Column("tier", String(20), nullable=False),
    Column("plan", JSONB, nullable=False),
    Column("contact", JSONB, nullable=False),
    Column("run", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("steps", ARRAY(String(30)), nullable=False),
    Column("current", Integer, nullable=False, server_default=text("0")),
    Column("attempt", Integer, nullable=False, server_default=text("0")),
    Column("next_run_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("waiting_deadline", DateTime(timezone=True)),
    Column(
        "outage_since",
        DateTime(timezone=True),
        comment="When the current step (or the compensation) first met an engine away.",
    ),
    Column("stop_reason", String(20)),
    Column("failure_step", String(30)),
    Column("failure_reason", Text),
    Column("app_url", Text),
    Column("correlation_event_id", Uuid, comment="The request that started the pipeline."),
    Column(
        "trace_context",
        JSONB,
        comment="W3C traceparent/tracestate the next unit of work continues.",
    ),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    Index(
        "pipelines_due_idx",
        "next_run_at",
        postgresql_where=text("status IN ('RUNNING', 'COMPENSATING')"),
    ),
    Index("pipelines_waiting_idx", "waiting_deadline", postgresql_where=text("status = 'WAITING'")),
    # Only one active pipeline per tenant.
    Index(
        "pipelines_one_active_uq",
        "tenant_id",
        unique=True,
        postgresql_where=text("status IN ('RUNNING', 'WAITING', 'COMPENSATING')"),
    ),
)

# A cancel that came before its provisioning request: the request, when it arrives (a replay
# from the dead-letter parking lot, say), must not start the pipeline.
stops_before_start = Table(
    "stops_before_start",
    metadata,
    Column("pipeline_id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False),
    Column("reason", String(20), nullable=False),
    Column("stopped_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The resource ledger: a row before and after every effect, so undoing removes what exists.
resources = Table(
    "resources",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False),
    Column("pipeline_id", Uuid, nullable=False),
    Column("step", String(30), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("name", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("resources_tenant_idx", "tenant_id", "created_at"),
    Index("resources_pipeline_idx", "pipeline_id", "created_at"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False),
    Column("pipeline_id", Uuid, nullable=False),
    Column("prefix", String(12), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True, comment="sha256; never the key"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("revoked_at", DateTime(timezone=True)),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False),
    Column("pipeline_id", Uuid, nullable=False, unique=True),
    Column("plan_id", String(100), nullable=False),
    Column("amount", Numeric(10, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("period_start", DateTime(timezone=True), nullable=False),
    Column("period_end", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("cancelled_at", DateTime(timezone=True)),
)


def status_in(*statuses: StrEnum) -> ColumnElement[bool]:
    """`pipelines.status IN (...)` with the statuses as constants in the SQL, as the partial
    indexes' predicates are. As parameters, PostgreSQL could not prove that a cached (generic)
    plan may use those indexes, and would plan every execution anew or scan every pipeline
    there ever was."""
    return pipelines.c.status.in_([constant(status) for status in statuses])


# The local driver's pending callbacks: a row from the moment the step triggers it until the
# webhook answered, so that a restart (or another replica) resumes it. `body` and `stamp` are
# fixed once the command has finished: every send of the callback is then the same signed
# delivery, which webhook-receiver accepts once.
local_callbacks = Table(
    "local_callbacks",
    metadata,
    Column("pipeline_id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False),
    Column("tenant_key", String(20), nullable=False),
    Column("tier", String(20), nullable=False),
    Column("app_url", Text, nullable=False),
    Column("hold_callback", Boolean, nullable=False, server_default=text("false")),
    Column("callback_delay", Float, nullable=False, server_default=text("0")),
    Column("body", Text, comment="The callback's JSON, once the command has finished."),
    Column("stamp", BigInteger, comment="Its x-timestamp (ms), signed with it."),
    Column("owner", Uuid, comment="The claim that holds the lease."),
    Column("leased_until", DateTime(timezone=True)),
    Column(
        "trace_context",
        JSONB,
        comment="W3C traceparent/tracestate of the step that asked for the callback.",
    ),
    Column(
        "registered_at",
        DateTime(timezone=True),
        comment="When webhook-receiver said it stored the run (webhook.run_registered): "
        "the callback is due from then.",
    ),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The webhook run of each external step: its secret, sealed at rest under WEBHOOK_RUN_KEYS, so
# that the local driver can sign the callback and webhook-receiver (told by `webhook.run_opened`)
# verify it. Kept past `finished_at` until `expires_at` (and a margin): a sender retrying a
# delivery already accepted must still be verified and answered "duplicate".
webhook_runs = Table(
    "webhook_runs",
    metadata,
    Column("pipeline_id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False),
    Column("context", String(64), nullable=False),
    Column("secret", JSONB, nullable=False, comment="Sealed (key_id, nonce, ciphertext)."),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("webhook_runs_expires_idx", "expires_at"),
)
