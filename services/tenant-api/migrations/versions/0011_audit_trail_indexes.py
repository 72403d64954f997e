"""audit trail: newest-first keyset indexes on the timeline"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'


def upgrade() -> None:
    # (occurred_at, event_id) is the audit's order and cursor; the tenant's and the actor's
    # lead it when the audit is filtered by one, and the tenant's serves the timeline too.
    op.create_index('tenant_events_time_id_idx', 'tenant_events', ['occurred_at', 'event_id'])
    op.create_index(
        'tenant_events_actor_time_idx',
        'tenant_events',
        [sa.text("(actor ->> 'sub')"), 'occurred_at', 'event_id'],
    )
    op.create_index(
        'tenant_events_tenant_time_id_idx', 'tenant_events', ['tenant_id', 'occurred_at', 'event_id']
    )
    op.drop_index('tenant_events_tenant_time_idx', table_name='tenant_events')


def downgrade() -> None:
    op.create_index(
        'tenant_events_tenant_time_idx', 'tenant_events', ['tenant_id', 'occurred_at']
    )
    op.drop_index('tenant_events_tenant_time_id_idx', table_name='tenant_events')
    op.drop_index('tenant_events_actor_time_idx', table_name='tenant_events')
    op.drop_index('tenant_events_time_id_idx', table_name='tenant_events')
