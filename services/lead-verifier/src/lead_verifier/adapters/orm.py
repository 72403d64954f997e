"""lead-verifier's tables (schema `lead_verifier`)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

leads = Table(
    "leads",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("company_name", String(200), nullable=False),
    Column("email", String(320), nullable=False, comment="Lower-cased."),
    Column("address", JSONB),
    Column("status", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("verified_at", DateTime(timezone=True)),
    # A retried sign-up (same key) finds its lead here instead of making a second one.
    Column(
        "idempotency_key",
        String(64),
        unique=True,
        comment="sha256 of the sign-up's Idempotency-Key (scoped by the gateway), if it had one",
    ),
    # At most one verified lead per address: a second sign-up for it is refused (409).
    Index(
        "leads_verified_email_uq",
        "email",
        unique=True,
        postgresql_where=text("status = 'VERIFIED'"),
    ),
)

verification_codes = Table(
    "verification_codes",
    metadata,
    Column("lead_id", Uuid, ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True),
    Column("code_digest", String(64), nullable=False, comment="sha256 of the code, never the code"),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("used_at", DateTime(timezone=True)),
    Column(
        "used_with_key",
        String(64),
        comment="sha256 of the Idempotency-Key of the verification that used the code",
    ),
)
