"""tenant-api's tables (schema `tenant_api`)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = MetaData()

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

tenants = Table(
    "tenants",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("key", String(20), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("status", String(30), nullable=False),
    Column("tier", String(20), nullable=False),
    Column("plan_id", String(100)),
    Column("domains", ARRAY(String(253)), nullable=False),
    Column("lead_id", Uuid, unique=True, comment="One tenant per lead."),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("tenants_status_created_idx", "status", "created_at"),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("email", String(320), nullable=False),
    Column("is_primary", Boolean, nullable=False, server_default=text("false")),
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
    Column("tenant_id", Uuid, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
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
