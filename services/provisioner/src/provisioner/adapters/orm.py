"""provisioner's tables (schema `provisioner`)."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from service_kit.db import constant
from service_kit.orm_columns import (
    counter,
    flag,
    json_object,
    key,
    moment,
    partial_index,
    ref,
    stamped,
)

metadata = sa.MetaData()

pipelines = sa.Table(
    "pipelines",
    metadata,
    key("id"),
    ref("tenant_id"),
    sa.Column("tenant_key", sa.String(20), nullable=False),
    sa.Column("tenant_name", sa.String(200), nullable=False),
    sa.Column("tier", sa.String(20), nullable=False),
    sa.Column("plan", JSONB, nullable=False),
    sa.Column("contact", JSONB, nullable=False),
    sa.Column("run", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("steps", ARRAY(sa.String(30)), nullable=False),
    counter("current"),
    counter("attempt"),
    stamped("next_run_at"),
    moment("waiting_deadline"),
    moment(
        "outage_since",
        comment="When the current step (or the compensation) first met an engine away.",
    ),
    sa.Column("stop_reason", sa.String(20)),
    sa.Column("failure_step", sa.String(30)),
    sa.Column("failure_reason", sa.Text),
    sa.Column("app_url", sa.Text),
    sa.Column("correlation_event_id", sa.Uuid, comment="The request that started the pipeline."),
    sa.Column(
        "trace_context",
        JSONB,
        comment="W3C traceparent/tracestate the next unit of work continues.",
    ),
    stamped("created_at"),
    stamped("updated_at"),
    moment("finished_at"),
    partial_index(
        "pipelines_due_idx", "next_run_at", where="status IN ('RUNNING', 'COMPENSATING')"
    ),
    partial_index("pipelines_waiting_idx", "waiting_deadline", where="status = 'WAITING'"),
    # Only one active pipeline per tenant.
    partial_index(
        "pipelines_one_active_uq",
        "tenant_id",
        where="status IN ('RUNNING', 'WAITING', 'COMPENSATING')",
        unique=True,
    ),
)

# A cancel that came before its provisioning request: the request, when it arrives (a replay
# from the dead-letter parking lot, say), must not start the pipeline.
stops_before_start = sa.Table(
    "stops_before_start",
    metadata,
    key("pipeline_id"),
    ref("tenant_id"),
    sa.Column("reason", sa.String(20), nullable=False),
    stamped("stopped_at"),
)

# The resource ledger: a row before and after every effect, so undoing removes what exists.
resources = sa.Table(
    "resources",
    metadata,
    key("id"),
    ref("tenant_id"),
    ref("pipeline_id"),
    sa.Column("step", sa.String(30), nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    json_object("details"),
    stamped("created_at"),
    stamped("updated_at"),
    sa.Index("resources_tenant_idx", "tenant_id", "created_at"),
    sa.Index("resources_pipeline_idx", "pipeline_id", "created_at"),
    # Preflight's lookups of live rows by name and by kind; deleted ones stay out of them.
    partial_index("resources_live_name_idx", "name", where="status <> 'DELETED'"),
    partial_index("resources_live_kind_idx", "kind", where="status <> 'DELETED'"),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    key("id"),
    ref("tenant_id"),
    ref("pipeline_id"),
    sa.Column("prefix", sa.String(12), nullable=False),
    sa.Column(
        "key_hash", sa.String(64), nullable=False, unique=True, comment="sha256; never the key"
    ),
    stamped("created_at"),
    moment("revoked_at"),
    sa.Index("api_keys_pipeline_idx", "pipeline_id"),  # the credentials step's live key
)

subscriptions = sa.Table(
    "subscriptions",
    metadata,
    key("id"),
    ref("tenant_id"),
    sa.Column("pipeline_id", sa.Uuid, nullable=False, unique=True),
    sa.Column("plan_id", sa.String(100), nullable=False),
    sa.Column("amount", sa.Numeric(10, 2), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    moment("period_start", nullable=False),
    moment("period_end", nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    stamped("created_at"),
    moment("cancelled_at"),
)

# Each tenant's newest suspension or reactivation the provisioner applied: one that happened
# before it (late, or replayed) changes nothing.
tenant_access = sa.Table(
    "tenant_access",
    metadata,
    key("tenant_id"),
    sa.Column("suspended", sa.Boolean, nullable=False),
    moment("as_of", nullable=False, comment="occurred_at of the event applied."),
    ref("event_id"),
    stamped("updated_at"),
)


def status_in(*statuses: StrEnum) -> sa.ColumnElement[bool]:
    """`pipelines.status IN (...)` with the statuses as constants in the SQL, as the partial
    indexes' predicates are. As parameters, PostgreSQL could not prove that a cached (generic)
    plan may use those indexes, and would plan every execution anew or scan every pipeline
    there ever was."""
    return pipelines.c.status.in_([constant(status) for status in statuses])


# The local driver's pending callbacks: a row from the moment the step triggers it until the
# webhook answered, so that a restart (or another replica) resumes it. `body` and `stamp` are
# fixed once the command has finished: every send of the callback is then the same signed
# delivery, which webhook-receiver accepts once.
local_callbacks = sa.Table(
    "local_callbacks",
    metadata,
    key("pipeline_id"),
    ref("tenant_id"),
    sa.Column("tenant_key", sa.String(20), nullable=False),
    sa.Column("tier", sa.String(20), nullable=False),
    sa.Column("app_url", sa.Text, nullable=False),
    flag("hold_callback"),
    sa.Column("callback_delay", sa.Float, nullable=False, server_default=sa.text("0")),
    sa.Column("body", sa.Text, comment="The callback's JSON, once the command has finished."),
    sa.Column("stamp", sa.BigInteger, comment="Its x-timestamp (ms), signed with it."),
    sa.Column("owner", sa.Uuid, comment="The claim that holds the lease."),
    moment("leased_until"),
    sa.Column(
        "trace_context",
        JSONB,
        comment="W3C traceparent/tracestate of the step that asked for the callback.",
    ),
    moment(
        "registered_at",
        comment="When webhook-receiver said it stored the run (webhook.run_registered): "
        "the callback is due from then.",
    ),
    stamped("created_at"),
)

# The webhook run of each external step: its secret, sealed at rest under WEBHOOK_RUN_KEYS, so
# that the local driver can sign the callback and webhook-receiver (told by `webhook.run_opened`)
# verify it. Kept past `finished_at` until `expires_at` (and a margin): a sender retrying a
# delivery already accepted must still be verified and answered "duplicate".
webhook_runs = sa.Table(
    "webhook_runs",
    metadata,
    key("pipeline_id"),
    ref("tenant_id"),
    sa.Column("context", sa.String(64), nullable=False),
    sa.Column("secret", JSONB, nullable=False, comment="Sealed (key_id, nonce, ciphertext)."),
    moment("expires_at", nullable=False),
    moment("finished_at"),
    stamped("created_at"),
    sa.Index("webhook_runs_expires_idx", "expires_at"),
)
