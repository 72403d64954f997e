"""tenant-api's tables (schema `tenant_api`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = MetaData()


def _tenant_id(*, primary_key: bool = False) -> Column[Any]:
    """The owning tenant: its rows go with it (the primary key where one row per tenant)."""
    if primary_key:
        return Column(
            "tenant_id", Uuid, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
        )
    return Column("tenant_id", Uuid, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)


def _stamped(name: str) -> Column[Any]:
    """A time the database sets when the row is written."""
    return Column(name, DateTime(timezone=True), nullable=False, server_default=func.now())


# Facts of verified leads, kept from `lead.verified` for onboarding.
lead_facts = Table(
    "lead_facts",
    metadata,
    Column("lead_id", Uuid, primary_key=True),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("company_name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("address", JSONB),
    Column("verified_at", DateTime(timezone=True), nullable=False),
)

# The catalogue of plans, seeded by migration 0002; `tenant.provisioning_requested` carries one.
plans = Table(
    "plans",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("tiers", ARRAY(String(20)), nullable=False),
    Column("price", Numeric(10, 2), nullable=False, comment="Per billing period."),
    Column("currency", String(3), nullable=False),
    Column("billing_period", String(10), nullable=False, comment="monthly or yearly"),
    Column("external_infrastructure", Boolean, comment="Unset: the silo tier only."),
    Column("limits", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
)

tenants = Table(
    "tenants",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("key", String(20), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("status", String(30), nullable=False),
    Column("tier", String(20), nullable=False),
    Column(
        "plan_id", String(100), ForeignKey("plans.id", name="tenants_plan_id_fkey"), nullable=False
    ),
    Column("domains", ARRAY(String(253)), nullable=False),
    Column("lead_id", Uuid, unique=True, comment="One tenant per lead."),
    _stamped("created_at"),
    Column("feature_flags", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column(
        "config_generation",
        BigInteger,
        nullable=False,
        server_default=text("0"),
        comment="Bumped with every change of what GET /tenants/{id}/config returns.",
    ),
    _stamped("updated_at"),
    Column("app_url", Text, comment="From the provisioning.completed that activated it."),
    Index("tenants_status_created_idx", "status", "created_at"),
    Index("tenants_created_id_idx", "created_at", "id"),  # the list's keyset order
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant_id(),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("email", String(320), nullable=False),
    Column("is_primary", Boolean, nullable=False, server_default=text("false")),
    Index("contacts_tenant_idx", "tenant_id"),
    Index(
        "contacts_one_primary_uq",
        "tenant_id",
        unique=True,
        postgresql_where=text("is_primary"),
    ),
)

addresses = Table(
    "addresses",
    metadata,
    _tenant_id(primary_key=True),
    Column("address", String(200), nullable=False),
    Column("city", String(100), nullable=False),
    Column("state", String(100)),
    Column("zip", String(20)),
    Column("country", String(100), nullable=False),
)

# The tenant's timeline: every event that names it, as it arrived.
tenant_events = Table(
    "tenant_events",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False),
    Column("type", String(100), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("producer", String(100), nullable=False),
    Column("summary", Text, nullable=False),
    Column("data", JSONB, nullable=False),
    Index("tenant_events_tenant_time_idx", "tenant_id", "occurred_at"),
)

# One row per provisioning run; the tenant's current pipeline is its highest `run`.
pipelines = Table(
    "pipelines",
    metadata,
    Column("id", Uuid, primary_key=True),
    _tenant_id(),
    Column("run", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("last_progress_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("cancel_requested_at", DateTime(timezone=True)),
    Column("failure_step", String(50)),
    Column("failure_reason", Text),
    Column(
        "trace_context",
        JSONB,
        comment="W3C traceparent/tracestate of the request that started it.",
    ),
    UniqueConstraint("tenant_id", "run", name="pipelines_tenant_run_uq"),
    Index(
        "pipelines_one_active_per_tenant_uq",
        "tenant_id",
        unique=True,
        postgresql_where=text("status IN ('RUNNING', 'TIMING_OUT')"),
    ),
    Index(
        "pipelines_running_progress_idx",
        "last_progress_at",
        postgresql_where=text("status = 'RUNNING'"),
    ),
)

# The read-model of each pipeline step, merged from step events in any order.
pipeline_steps = Table(
    "pipeline_steps",
    metadata,
    Column("pipeline_id", Uuid, ForeignKey("pipelines.id", ondelete="CASCADE"), nullable=False),
    Column("step", String(50), nullable=False),
    Column("status", String(20), nullable=False),
    Column("status_attempt", Integer, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("error_attempt", Integer),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("updated_by_event_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("pipeline_id", "step"),
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", Uuid, primary_key=True, comment="The invoice id from billing.invoice_issued."),
    _tenant_id(),
    Column("pipeline_id", Uuid, nullable=False),
    Column("plan_id", String(100)),
    Column("amount", Numeric(10, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("period_start", DateTime(timezone=True), nullable=False),
    Column("period_end", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False),
    _stamped("created_at"),
    Column("paid_at", DateTime(timezone=True)),
    Index("invoices_tenant_period_idx", "tenant_id", "period_start"),
)

# Credential vault: one data key per tenant, wrapped by a versioned master key (envelope
# encryption); credentials sealed with AES-GCM under the tenant's data key.
tenant_data_keys = Table(
    "tenant_data_keys",
    metadata,
    _tenant_id(primary_key=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("master_key_version", Integer, nullable=False),
    _stamped("created_at"),
    Column("rewrapped_at", DateTime(timezone=True)),
)

credentials = Table(
    "credentials",
    metadata,
    _tenant_id(),
    Column("provider", String(50), nullable=False),
    Column("ciphertext", LargeBinary, nullable=False, comment="nonce + AES-GCM(secret JSON)"),
    _stamped("created_at"),
    _stamped("updated_at"),
    PrimaryKeyConstraint("tenant_id", "provider"),
)

vault_audit = Table(
    "vault_audit",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False),
    Column("provider", String(50)),
    Column("action", String(30), nullable=False, comment="store, decrypt, delete, rewrap"),
    Column("actor", String(200), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("vault_audit_tenant_idx", "tenant_id", "at"),
)

# The dead-letter parking lot: every service's DLQ drained into rows an operator can act on.
dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("service", String(100), nullable=False),
    Column("queue", String(255), nullable=False),
    Column("dedupe_key", String(300), nullable=False),
    Column("original_queue", String(255)),
    Column("original_exchange", String(255)),
    Column("original_routing_key", String(255)),
    Column("message_id", String(255)),
    Column("event_id", Uuid),
    Column("event_type", String(100)),
    Column("tenant_id", Uuid),
    Column("correlation_id", Uuid),
    Column("reason", String(100), nullable=False),
    Column("error", Text),
    Column("headers", JSONB, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("body_text", Text),
    Column("dead_lettered_at", DateTime(timezone=True)),
    Column("stored_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("status", String(20), nullable=False, server_default="PARKED"),
    Column("replayed_at", DateTime(timezone=True)),
    Column("resolved_at", DateTime(timezone=True), comment="When it was replayed or discarded."),
    Column("replay_count", Integer, nullable=False, server_default="0"),
    Column("discarded_reason", Text),
    Column("acted_by", String(200)),
    UniqueConstraint("queue", "dedupe_key", name="dead_letters_queue_dedupe_uq"),
    Index("dead_letters_stored_idx", "stored_at", "id"),
    Index("dead_letters_status_idx", "status", "service"),
    Index(
        "dead_letters_resolved_idx", "resolved_at", postgresql_where=text("resolved_at IS NOT NULL")
    ),
)

dead_letter_actions = Table(
    "dead_letter_actions",
    metadata,
    Column("id", Uuid, primary_key=True),
    # No foreign key: the audit outlives the letter it names, which retention deletes.
    Column("dead_letter_id", Uuid, nullable=False, index=True),
    Column("action", String(20), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("reason", Text),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The initial admin API key on its way to the tenant, sealed as `tenant.api_key_issued` carried
# it (API_KEY_HANDOVER_KEYS): taken once by `GET /tenants/{id}/api-key`, which deletes the row
# as it reads it. A revocation that came first leaves a row with `revoked` and no key, so that
# the late `issued` is never handed out; either goes at `expires_at` (retention).
api_key_handovers = Table(
    "api_key_handovers",
    metadata,
    Column("api_key_id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False),
    Column("prefix", String(12)),
    Column("sealed_key", JSONB, comment="Sealed (key_id, nonce, ciphertext); never plaintext."),
    Column("revoked", Boolean, nullable=False, server_default=text("false")),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("issued_at", DateTime(timezone=True)),
    Index("api_key_handovers_tenant_idx", "tenant_id"),
    Index("api_key_handovers_expires_idx", "expires_at"),
)
