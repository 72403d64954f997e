"""audit trail: newest-first keyset indexes on the timeline"""

import sqlalchemy as sa

from service_kit.migration_steps import create_index, drop_index, reversible

revision = '0011'
down_revision = '0010'

upgrade, downgrade = reversible(
    # (occurred_at, event_id) is the audit's order and cursor; the tenant's and the actor's
    # lead it when the audit is filtered by one, and the tenant's serves the timeline too.
    create_index('tenant_events_time_id_idx', 'tenant_events', ['occurred_at', 'event_id']),
    create_index(
        'tenant_events_actor_time_idx',
        'tenant_events',
        [sa.text("(actor ->> 'sub')"), 'occurred_at', 'event_id'],
    ),
    create_index(
        'tenant_events_tenant_time_id_idx', 'tenant_events', ['tenant_id', 'occurred_at', 'event_id']
    ),
    drop_index('tenant_events_tenant_time_idx', 'tenant_events', ['tenant_id', 'occurred_at']),
)
