"""initial schema"""

import sqlalchemy as sa

from service_kit.migration_steps import create_index, create_table, kit_tables, reversible
from service_kit.orm_columns import counter, key, moment, ref, stamped

revision = '0001'
down_revision = None

upgrade, downgrade = reversible(
    create_table(
        'notifications',
        lambda: (
            key('id'),
            ref('event_id', comment='The event that asked for this e-mail.'),
            sa.Column('kind', sa.String(length=50), nullable=False),
            sa.Column('recipient', sa.String(length=320), nullable=False),
            sa.Column('subject', sa.String(length=300), nullable=False),
            sa.Column('status', sa.String(length=20), nullable=False),
            counter('attempts'),
            sa.Column('message_id', sa.String(length=300), nullable=False, comment='Deterministic per event and kind.'),
            sa.Column('transport', sa.String(length=20), nullable=False),
            stamped('created_at'),
            moment('sent_at'),
            sa.Column('last_error', sa.Text(), nullable=True),
            sa.UniqueConstraint('event_id', 'kind', name='notifications_event_kind_uq'),
        ),
    ),
    create_index('notifications_created_at_idx', 'notifications', ['created_at']),
    kit_tables(),
)
