"""lead-verifier's tables (schema `lead_verifier`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from service_kit.orm_columns import counter, key, moment, partial_index, stamped

metadata = sa.MetaData()

leads = sa.Table(
    "leads",
    metadata,
    key("id"),
    sa.Column("first_name", sa.String(100), nullable=False),
    sa.Column("last_name", sa.String(100), nullable=False),
    sa.Column("company_name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(320), nullable=False, comment="Lower-cased."),
    sa.Column("address", JSONB),
    sa.Column("status", sa.String(20), nullable=False),
    stamped("created_at"),
    moment("verified_at"),
    # A retried sign-up (same key) finds its lead here instead of making a second one.
    sa.Column(
        "idempotency_key",
        sa.String(64),
        unique=True,
        comment="sha256 of the sign-up's Idempotency-Key (scoped by the gateway), if it had one",
    ),
    # At most one verified lead per address: a second sign-up for it is refused (409).
    partial_index("leads_verified_email_uq", "email", where="status = 'VERIFIED'", unique=True),
)

verification_codes = sa.Table(
    "verification_codes",
    metadata,
    sa.Column("lead_id", sa.Uuid, sa.ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "code_digest", sa.String(64), nullable=False, comment="sha256 of the code, never the code"
    ),
    moment("expires_at", nullable=False),
    counter("attempts"),
    moment("used_at"),
    sa.Column(
        "used_with_key",
        sa.String(64),
        comment="sha256 of the Idempotency-Key of the verification that used the code",
    ),
)

# The part after the last `@`. Written with constants, never parameters, so that a query's
# expression is the index's own and a cached plan can use it.
lead_email_domain = sa.func.split_part(
    leads.c.email, sa.literal_column("'@'"), sa.literal_column("-1")
)

# Operators' lists: newest first, by (created_at, id), with or without one of these filters.
sa.Index("leads_created_idx", leads.c.created_at, leads.c.id)
sa.Index("leads_status_created_idx", leads.c.status, leads.c.created_at, leads.c.id)
sa.Index("leads_email_domain_created_idx", lead_email_domain, leads.c.created_at, leads.c.id)
