"""webhook-receiver's own tables (schema `webhook_receiver`); the kit adds the outbox and inbox."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from service_kit.orm_columns import flag, json_object, key, moment, partial_index, ref, stamped

metadata = sa.MetaData()

deliveries = sa.Table(
    "deliveries",
    metadata,
    key("id", comment="The receipt id (deliveryId)."),
    moment("received_at", nullable=False),
    sa.Column("scheme", sa.String(10), nullable=False, comment="arc or standard"),
    sa.Column(
        "delivery_key",
        sa.String(255),
        comment="webhook-id, or sha256 of the ARC signature; as sent (unverified) if rejected",
    ),
    sa.Column("tenant_id", sa.Uuid, comment="initiatorId of the body; unverified if rejected"),
    sa.Column("pipeline_id", sa.Uuid, comment="The run's pipeline, once a run was found."),
    sa.Column("outcome", sa.String(10), nullable=False),
    sa.Column("reason", sa.String(30), comment="Why a delivery was rejected."),
    sa.Column(
        "body_sha256", sa.String(64), comment="Absent when the body was not read (too large)."
    ),
    sa.Column("size", sa.BigInteger, nullable=False, comment="Bytes received or declared."),
    json_object("headers"),
    sa.CheckConstraint(
        "outcome IN ('accepted', 'duplicate', 'rejected')", name="deliveries_outcome_ck"
    ),
    sa.CheckConstraint(
        "(outcome = 'rejected') = (reason IS NOT NULL)", name="deliveries_reason_ck"
    ),
    # The durable replay guard: one accepted delivery per key and tenant, for ever.
    partial_index(
        "deliveries_accepted_key_uq",
        "tenant_id",
        "delivery_key",
        where="outcome = 'accepted'",
        unique=True,
    ),
    # The list's keyset order (received_at, id), alone and led by the tenant; retention's
    # delete by age reads the first.
    sa.Index("deliveries_received_id_idx", "received_at", "id"),
    sa.Index("deliveries_tenant_received_id_idx", "tenant_id", "received_at", "id"),
)

# The provisioner's runs, as `webhook.run_opened` / `webhook.run_finished` announce them. Either
# may come first: a `finished` before its `opened` leaves a row with no secret yet, which the
# `opened` completes, and the run is finished from the start.
webhook_runs = sa.Table(
    "webhook_runs",
    metadata,
    key("pipeline_id"),
    ref("tenant_id"),
    sa.Column("context", sa.String(64), comment="Absent until the run's announcement came."),
    sa.Column("secret", JSONB, comment="Sealed (key_id, nonce, ciphertext), as announced."),
    moment("opened_at", comment="When the provisioner opened it."),
    moment("expires_at", nullable=False),
    flag("finished"),
    stamped("updated_at"),
    sa.Index("webhook_runs_tenant_idx", "tenant_id", "opened_at"),
    sa.Index("webhook_runs_expires_idx", "expires_at"),
)
