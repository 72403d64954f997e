"""tenant-api's tables (schema `tenant_api`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from service_kit.orm_columns import flag, json_object, key, moment, partial_index, ref, stamped

metadata = sa.MetaData()


def _tenant_id(*, primary_key: bool = False) -> sa.Column[Any]:
    """The owning tenant: its rows go with it (the primary key where one row per tenant)."""
    if primary_key:
        return sa.Column(
            "tenant_id", sa.Uuid, sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
        )
    return sa.Column(
        "tenant_id", sa.Uuid, sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
    )


# Facts of verified leads, kept from `lead.verified` for onboarding.
lead_facts = sa.Table(
    "lead_facts",
    metadata,
    key("lead_id"),
    sa.Column("first_name", sa.String(100), nullable=False),
    sa.Column("last_name", sa.String(100), nullable=False),
    sa.Column("company_name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("address", JSONB),
    moment("verified_at", nullable=False),
)

# The catalogue of plans, seeded by migration 0002; `tenant.provisioning_requested` carries one.
plans = sa.Table(
    "plans",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("tiers", ARRAY(sa.String(20)), nullable=False),
    sa.Column("price", sa.Numeric(10, 2), nullable=False, comment="Per billing period."),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("billing_period", sa.String(10), nullable=False, comment="monthly or yearly"),
    sa.Column("external_infrastructure", sa.Boolean, comment="Unset: the silo tier only."),
    json_object("limits"),
)

tenants = sa.Table(
    "tenants",
    metadata,
    key("id"),
    sa.Column("key", sa.String(20), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("tier", sa.String(20), nullable=False),
    sa.Column(
        "plan_id",
        sa.String(100),
        sa.ForeignKey("plans.id", name="tenants_plan_id_fkey"),
        nullable=False,
    ),
    sa.Column("domains", ARRAY(sa.String(253)), nullable=False),
    sa.Column("lead_id", sa.Uuid, unique=True, comment="One tenant per lead."),
    stamped("created_at"),
    json_object("feature_flags"),
    sa.Column(
        "config_generation",
        sa.BigInteger,
        nullable=False,
        server_default=sa.text("0"),
        comment="Bumped with every change of what GET /tenants/{id}/config returns.",
    ),
    stamped("updated_at"),
    sa.Column("app_url", sa.Text, comment="From the provisioning.completed that activated it."),
    moment("offboarding_due_at", comment="End of the grace."),
    sa.Column("offboarding_from", sa.String(30), comment="The status a restore goes back to."),
    sa.Index("tenants_status_created_idx", "status", "created_at"),
    sa.Index("tenants_created_id_idx", "created_at", "id"),  # the list's keyset order
    # The list's key prefix, a range in byte order (tenants/list_queries.py says why).
    sa.Index("tenants_key_c_idx", sa.text('key COLLATE "C"')),
    partial_index(
        "tenants_offboarding_due_idx",
        "offboarding_due_at",
        where="status = 'OFFBOARDING_SCHEDULED'",
    ),
)

contacts = sa.Table(
    "contacts",
    metadata,
    key("id"),
    _tenant_id(),
    sa.Column("first_name", sa.String(100), nullable=False),
    sa.Column("last_name", sa.String(100), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    flag("is_primary"),
    sa.Index("contacts_tenant_idx", "tenant_id"),
    partial_index("contacts_one_primary_uq", "tenant_id", where="is_primary", unique=True),
)

addresses = sa.Table(
    "addresses",
    metadata,
    _tenant_id(primary_key=True),
    sa.Column("address", sa.String(200), nullable=False),
    sa.Column("city", sa.String(100), nullable=False),
    sa.Column("state", sa.String(100)),
    sa.Column("zip", sa.String(20)),
    sa.Column("country", sa.String(100), nullable=False),
)

# The tenant's timeline: every event that names it, as it arrived. Range-partitioned by the
# month of `occurred_at` (`tenant_api.timeline.partitions`), so the key holds that column too.
tenant_events = sa.Table(
    "tenant_events",
    metadata,
    key("event_id"),
    ref("tenant_id"),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), primary_key=True),
    sa.Column("producer", sa.String(100), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("data", JSONB, nullable=False),
    sa.Column(
        "actor",
        JSONB(none_as_null=True),
        comment="Who asked for it ({sub, role}); null: the system.",
    ),
    # The keyset order (occurred_at, event_id), alone for the audit across tenants, led by the
    # tenant for its timeline, and by the actor's subject for the audit of one actor.
    sa.Index("tenant_events_time_id_idx", "occurred_at", "event_id"),
    sa.Index("tenant_events_tenant_time_id_idx", "tenant_id", "occurred_at", "event_id"),
    sa.Index(
        "tenant_events_actor_time_idx", sa.text("(actor ->> 'sub')"), "occurred_at", "event_id"
    ),
    postgresql_partition_by="RANGE (occurred_at)",
)

# One row per provisioning run; the tenant's current pipeline is its highest `run`.
pipelines = sa.Table(
    "pipelines",
    metadata,
    key("id"),
    _tenant_id(),
    sa.Column("run", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("requested_by", sa.String(200), nullable=False),
    moment("started_at", nullable=False),
    moment("last_progress_at", nullable=False),
    moment("finished_at"),
    moment("cancel_requested_at"),
    sa.Column("failure_step", sa.String(50)),
    sa.Column("failure_reason", sa.Text),
    sa.Column(
        "trace_context",
        JSONB,
        comment="W3C traceparent/tracestate of the request that started it.",
    ),
    sa.UniqueConstraint("tenant_id", "run", name="pipelines_tenant_run_uq"),
    partial_index(
        "pipelines_one_active_per_tenant_uq",
        "tenant_id",
        where="status IN ('RUNNING', 'TIMING_OUT')",
        unique=True,
    ),
    partial_index("pipelines_running_progress_idx", "last_progress_at", where="status = 'RUNNING'"),
)

# The read-model of each pipeline step, merged from step events in any order.
pipeline_steps = sa.Table(
    "pipeline_steps",
    metadata,
    sa.Column(
        "pipeline_id", sa.Uuid, sa.ForeignKey("pipelines.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("step", sa.String(50), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("status_attempt", sa.Integer, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("error_attempt", sa.Integer),
    moment("started_at"),
    moment("finished_at"),
    moment("updated_by_event_at", nullable=False),
    sa.PrimaryKeyConstraint("pipeline_id", "step"),
)

invoices = sa.Table(
    "invoices",
    metadata,
    key("id", comment="The invoice id from billing.invoice_issued."),
    _tenant_id(),
    ref("pipeline_id"),
    sa.Column("plan_id", sa.String(100)),
    sa.Column("amount", sa.Numeric(10, 2), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    moment("period_start", nullable=False),
    moment("period_end", nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    stamped("created_at"),
    moment("paid_at"),
    sa.Index("invoices_tenant_period_idx", "tenant_id", "period_start"),
)

# Offboarding exports: tenant-api's files when it starts one, the provisioner's added with
# MANIFEST.json once `tenant.deprovisioned` reports them; kept with the tenant's record.
tenant_exports = sa.Table(
    "tenant_exports",
    metadata,
    key("id", comment="The export id."),
    _tenant_id(),
    sa.Column("location", sa.Text, nullable=False, comment="EXPORT_URL + folder."),
    sa.Column("status", sa.String(20), nullable=False, comment="WRITING, then COMPLETE."),
    sa.Column(
        "files",
        JSONB,
        nullable=False,
        server_default=sa.text("'[]'::jsonb"),
        comment="[{service, path, sha256, size}]",
    ),
    stamped("started_at"),
    moment("completed_at"),
    sa.Index("tenant_exports_tenant_idx", "tenant_id", "started_at"),
)

# Credential vault: one data key per tenant, wrapped by a versioned master key (envelope
# encryption); credentials sealed with AES-GCM under the tenant's data key.
tenant_data_keys = sa.Table(
    "tenant_data_keys",
    metadata,
    _tenant_id(primary_key=True),
    sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
    sa.Column("master_key_version", sa.Integer, nullable=False),
    stamped("created_at"),
    moment("rewrapped_at"),
)

credentials = sa.Table(
    "credentials",
    metadata,
    _tenant_id(),
    sa.Column("provider", sa.String(50), nullable=False),
    sa.Column("ciphertext", sa.LargeBinary, nullable=False, comment="nonce + AES-GCM(secret JSON)"),
    stamped("created_at"),
    stamped("updated_at"),
    moment(
        "issued_at", comment="Set by its issuer (the provisioner); null: stored through the API."
    ),
    sa.PrimaryKeyConstraint("tenant_id", "provider"),
)

vault_audit = sa.Table(
    "vault_audit",
    metadata,
    key("id"),
    ref("tenant_id"),
    sa.Column("provider", sa.String(50)),
    sa.Column("action", sa.String(30), nullable=False, comment="store, decrypt, delete, rewrap"),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
    stamped("at"),
    sa.Index("vault_audit_tenant_idx", "tenant_id", "at"),
)

# The dead-letter parking lot: every service's DLQ drained into rows an operator can act on.
dead_letters = sa.Table(
    "dead_letters",
    metadata,
    key("id"),
    sa.Column("service", sa.String(100), nullable=False),
    sa.Column("queue", sa.String(255), nullable=False),
    sa.Column("dedupe_key", sa.String(300), nullable=False),
    sa.Column("original_queue", sa.String(255)),
    sa.Column("original_exchange", sa.String(255)),
    sa.Column("original_routing_key", sa.String(255)),
    sa.Column("message_id", sa.String(255)),
    sa.Column("event_id", sa.Uuid),
    sa.Column("event_type", sa.String(100)),
    sa.Column("tenant_id", sa.Uuid),
    sa.Column("correlation_id", sa.Uuid),
    sa.Column("reason", sa.String(100), nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("headers", JSONB, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("body_text", sa.Text),
    moment("dead_lettered_at"),
    stamped("stored_at"),
    sa.Column("status", sa.String(20), nullable=False, server_default="PARKED"),
    moment("replayed_at"),
    moment("resolved_at", comment="When it was replayed or discarded."),
    sa.Column("replay_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("discarded_reason", sa.Text),
    sa.Column("acted_by", sa.String(200)),
    sa.UniqueConstraint("queue", "dedupe_key", name="dead_letters_queue_dedupe_uq"),
    sa.Index("dead_letters_stored_idx", "stored_at", "id"),
    sa.Index("dead_letters_tenant_stored_idx", "tenant_id", "stored_at", "id"),
    sa.Index("dead_letters_status_idx", "status", "service"),
    partial_index("dead_letters_resolved_idx", "resolved_at", where="resolved_at IS NOT NULL"),
)

dead_letter_actions = sa.Table(
    "dead_letter_actions",
    metadata,
    key("id"),
    # No foreign key: the audit outlives the letter it names, which retention deletes.
    sa.Column("dead_letter_id", sa.Uuid, nullable=False, index=True),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("reason", sa.Text),
    stamped("at"),
)

# The initial admin API key on its way to the tenant, sealed as `tenant.api_key_issued` carried
# it (API_KEY_HANDOVER_KEYS): taken once by `GET /tenants/{id}/api-key`, which deletes the row
# as it reads it. A revocation that came first leaves a row with `revoked` and no key, so that
# the late `issued` is never handed out; either goes at `expires_at` (retention).
api_key_handovers = sa.Table(
    "api_key_handovers",
    metadata,
    key("api_key_id"),
    ref("tenant_id"),
    sa.Column("prefix", sa.String(12)),
    sa.Column("sealed_key", JSONB, comment="Sealed (key_id, nonce, ciphertext); never plaintext."),
    flag("revoked"),
    moment("expires_at", nullable=False),
    moment("issued_at"),
    sa.Index("api_key_handovers_tenant_idx", "tenant_id"),
    sa.Index("api_key_handovers_expires_idx", "expires_at"),
)

# The tenants' API keys, which `POST /api-keys/verify` checks: only the SHA-256 of each key is
# kept (the key's secret is 256 random bits). `public_id` is the lookup id inside the key; it is
# null only on the marker a revocation leaves when it arrives before its key's registration.
api_keys = sa.Table(
    "api_keys",
    metadata,
    key("id"),
    _tenant_id(),
    sa.Column("public_id", sa.String(12), unique=True),
    sa.Column("key_hash", sa.String(64), comment="sha256 of the whole key, hex; never the key"),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("scopes", ARRAY(sa.Text), nullable=False),
    stamped("created_at"),
    sa.Column("created_by", JSONB, comment="Who made it ({sub, role}); null: the system."),
    moment("expires_at"),
    moment("last_used_at", comment="At most once a minute."),
    moment("revoked_at"),
    sa.Column(
        "rotated_from", sa.Uuid, sa.ForeignKey("api_keys.id", ondelete="SET NULL"), nullable=True
    ),
    sa.Column("origin", sa.String(10), nullable=False),
    sa.CheckConstraint("origin IN ('initial', 'api')", name="api_keys_origin_ck"),
    sa.Index("api_keys_tenant_created_idx", "tenant_id", "created_at"),
)

# Each tenant's own OpenID client, registered by the provisioner's `identity` step
# (`tenant.identity_client_registered`) and removed on compensation or offboarding
# (`tenant.identity_client_removed`). A provider token issued to a live client here is that
# tenant's (auth.TenantClients). A removal that arrives first leaves a row with `removed_at` and
# no `registered_at`, so the late registration is never taken for a live client.
tenant_identity_clients = sa.Table(
    "tenant_identity_clients",
    metadata,
    sa.Column("client_id", sa.String(512), primary_key=True),
    sa.Column("issuer", sa.String(2048), primary_key=True),
    _tenant_id(),
    sa.Column("pipeline_id", sa.Uuid),
    sa.Column("redirect_uris", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column(
        "registered_at",
        sa.DateTime(timezone=True),
        comment="Null: its removal arrived first (a tombstone; never live).",
    ),
    sa.Column("removed_at", sa.DateTime(timezone=True)),
    sa.Index("tenant_identity_clients_tenant_idx", "tenant_id"),
)
