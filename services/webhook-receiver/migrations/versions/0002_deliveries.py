"""deliveries"""

import sqlalchemy as sa

from service_kit.migration_steps import create_index, create_table, reversible
from service_kit.orm_columns import json_object, key, moment

revision = '0002'
down_revision = '0001'

upgrade, downgrade = reversible(
    create_table(
        'deliveries',
        lambda: (
            key('id', comment='The receipt id (deliveryId).'),
            moment('received_at', nullable=False),
            sa.Column('scheme', sa.String(length=10), nullable=False, comment='arc or standard'),
            sa.Column('delivery_key', sa.String(length=255), nullable=True, comment='webhook-id, or sha256 of the ARC signature; as sent (unverified) if rejected'),
            sa.Column('tenant_id', sa.Uuid(), nullable=True, comment='initiatorId of the body; unverified if rejected'),
            sa.Column('pipeline_id', sa.Uuid(), nullable=True, comment="The run's pipeline, once a run was found."),
            sa.Column('outcome', sa.String(length=10), nullable=False),
            sa.Column('reason', sa.String(length=30), nullable=True, comment='Why a delivery was rejected.'),
            sa.Column('body_sha256', sa.String(length=64), nullable=True, comment='Absent when the body was not read (too large).'),
            sa.Column('size', sa.BigInteger(), nullable=False, comment='Bytes received or declared.'),
            json_object('headers'),
            sa.CheckConstraint("(outcome = 'rejected') = (reason IS NOT NULL)", name='deliveries_reason_ck'),
            sa.CheckConstraint("outcome IN ('accepted', 'duplicate', 'rejected')", name='deliveries_outcome_ck'),
        ),
    ),
    create_index('deliveries_accepted_key_uq', 'deliveries', ['tenant_id', 'delivery_key'], where="outcome = 'accepted'", unique=True),
    create_index('deliveries_received_idx', 'deliveries', ['received_at']),
    create_index('deliveries_tenant_received_idx', 'deliveries', ['tenant_id', 'received_at']),
)
