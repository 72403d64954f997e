"""key-prefix and dead-letters-by-tenant indexes; outbox, inbox and timeline autovacuum"""

import sqlalchemy as sa

from service_kit.migration_steps import (
    autovacuum,
    create_index_concurrently,
    kit_tables_autovacuum,
    reversible,
)

revision = '0015'
down_revision = '0014'

upgrade, downgrade = reversible(
    # Built concurrently: both tables grow with every tenant and every parked message.
    create_index_concurrently('tenants_key_c_idx', 'tenants', [sa.text('key COLLATE "C"')]),
    create_index_concurrently(
        'dead_letters_tenant_stored_idx', 'dead_letters', ['tenant_id', 'stored_at', 'id']
    ),
    *kit_tables_autovacuum(),
    # The timeline is only ever appended to, so the defaults vacuum it after a fifth of it is
    # new (400,000 rows at two million) and analyse it after a tenth: until then the newest
    # rows, the ones timeline pages read first, are not all-visible (no index-only reads) and
    # the planner's statistics lag behind. A hundredth (and fiftieth) with a floor of 10,000.
    autovacuum(
        'tenant_events',
        vacuum_insert_scale_factor=0.01,
        vacuum_insert_threshold=10000,
        analyze_scale_factor=0.02,
        analyze_threshold=10000,
    ),
)
