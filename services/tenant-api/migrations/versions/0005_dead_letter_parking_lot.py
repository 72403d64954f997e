"""dead letter parking lot"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from service_kit.migration_steps import create_index, create_table, reversible
from service_kit.orm_columns import key, moment, ref, stamped

revision = '0005'
down_revision = '0004'

upgrade, downgrade = reversible(
    create_table(
        'dead_letters',
        lambda: (
            key('id'),
            sa.Column('service', sa.String(length=100), nullable=False),
            sa.Column('queue', sa.String(length=255), nullable=False),
            sa.Column('dedupe_key', sa.String(length=300), nullable=False),
            sa.Column('original_queue', sa.String(length=255), nullable=True),
            sa.Column('original_exchange', sa.String(length=255), nullable=True),
            sa.Column('original_routing_key', sa.String(length=255), nullable=True),
            sa.Column('message_id', sa.String(length=255), nullable=True),
            sa.Column('event_id', sa.Uuid(), nullable=True),
            sa.Column('event_type', sa.String(length=100), nullable=True),
            sa.Column('tenant_id', sa.Uuid(), nullable=True),
            sa.Column('correlation_id', sa.Uuid(), nullable=True),
            sa.Column('reason', sa.String(length=100), nullable=False),
            sa.Column('error', sa.Text(), nullable=True),
            sa.Column('headers', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
            sa.Column('body', sa.LargeBinary(), nullable=False),
            sa.Column('body_text', sa.Text(), nullable=True),
            moment('dead_lettered_at'),
            stamped('stored_at'),
            sa.Column('status', sa.String(length=20), server_default='PARKED', nullable=False),
            moment('replayed_at'),
            sa.Column('replay_count', sa.Integer(), server_default='0', nullable=False),
            sa.Column('discarded_reason', sa.Text(), nullable=True),
            sa.Column('acted_by', sa.String(length=200), nullable=True),
            sa.UniqueConstraint('queue', 'dedupe_key', name='dead_letters_queue_dedupe_uq'),
        ),
    ),
    create_index('dead_letters_status_idx', 'dead_letters', ['status', 'service']),
    create_index('dead_letters_stored_idx', 'dead_letters', ['stored_at', 'id']),
    create_table(
        'dead_letter_actions',
        lambda: (
            key('id'),
            ref('dead_letter_id'),
            sa.Column('action', sa.String(length=20), nullable=False),
            sa.Column('actor', sa.String(length=200), nullable=False),
            sa.Column('reason', sa.Text(), nullable=True),
            stamped('at'),
            sa.ForeignKeyConstraint(['dead_letter_id'], ['dead_letters.id'], ondelete='CASCADE'),
        ),
    ),
    create_index('ix_dead_letter_actions_dead_letter_id', 'dead_letter_actions', ['dead_letter_id']),
)
