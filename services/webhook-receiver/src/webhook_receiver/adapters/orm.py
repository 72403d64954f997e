"""webhook-receiver's own tables (schema `webhook_receiver`); the kit adds the outbox and inbox."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Uuid, primary_key=True, comment="The receipt id (deliveryId)."),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("scheme", String(10), nullable=False, comment="arc or standard"),
    Column(
        "delivery_key",
        String(255),
        comment="webhook-id, or sha256 of the ARC signature; as sent (unverified) if rejected",
    ),
    Column("tenant_id", Uuid, comment="initiatorId of the body; unverified if rejected"),
    Column("pipeline_id", Uuid, comment="The run's pipeline, once a run was found."),
    Column("outcome", String(10), nullable=False),
    Column("reason", String(30), comment="Why a delivery was rejected."),
    Column("body_sha256", String(64), comment="Absent when the body was not read (too large)."),
    Column("size", BigInteger, nullable=False, comment="Bytes received or declared."),
    Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    CheckConstraint(
        "outcome IN ('accepted', 'duplicate', 'rejected')", name="deliveries_outcome_ck"
    ),
    CheckConstraint("(outcome = 'rejected') = (reason IS NOT NULL)", name="deliveries_reason_ck"),
    # The durable replay guard: one accepted delivery per key and tenant, for ever.
    Index(
        "deliveries_accepted_key_uq",
        "tenant_id",
        "delivery_key",
        unique=True,
        postgresql_where=text("outcome = 'accepted'"),
    ),
    Index("deliveries_received_idx", "received_at"),
    Index("deliveries_tenant_received_idx", "tenant_id", "received_at"),
)

# The provisioner's runs, as `webhook.run_opened` / `webhook.run_finished` announce them. Either
# may come first: a `finished` before its `opened` leaves a row with no secret yet, which the
# `opened` completes, and the run is finished from the start.
webhook_runs = Table(
    "webhook_runs",
    metadata,
    Column("pipeline_id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False),
    Column("context", String(64), comment="Absent until the run's announcement came."),
    Column("secret", JSONB, comment="Sealed (key_id, nonce, ciphertext), as announced."),
    Column("opened_at", DateTime(timezone=True), comment="When the provisioner opened it."),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("finished", Boolean, nullable=False, server_default=text("false")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("webhook_runs_tenant_idx", "tenant_id", "opened_at"),
    Index("webhook_runs_expires_idx", "expires_at"),
)
