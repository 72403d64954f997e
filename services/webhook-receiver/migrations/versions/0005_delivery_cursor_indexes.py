"""keyset indexes for the receipts list; outbox and inbox autovacuum"""

from service_kit.migration_steps import (
    create_index_concurrently,
    drop_index_concurrently,
    kit_tables_autovacuum,
    reversible,
)

revision = '0005'
down_revision = '0004'

upgrade, downgrade = reversible(
    # Concurrently: receipts arrive all the time and the table holds months of them.
    create_index_concurrently(
        'deliveries_received_id_idx', 'deliveries', ['received_at', 'id']
    ),
    create_index_concurrently(
        'deliveries_tenant_received_id_idx', 'deliveries', ['tenant_id', 'received_at', 'id']
    ),
    drop_index_concurrently('deliveries_received_idx', 'deliveries', ['received_at']),
    drop_index_concurrently(
        'deliveries_tenant_received_idx', 'deliveries', ['tenant_id', 'received_at']
    ),
    *kit_tables_autovacuum(),
)
