"""live-resource and pipeline-key indexes; outbox and inbox autovacuum"""

from service_kit.migration_steps import (
    create_index_concurrently,
    kit_tables_autovacuum,
    reversible,
)

revision = '0011'
down_revision = '0010'

upgrade, downgrade = reversible(
    # Built concurrently: the ledger and the keys grow with every tenant ever provisioned.
    create_index_concurrently(
        'resources_live_name_idx', 'resources', ['name'], where="status <> 'DELETED'"
    ),
    create_index_concurrently(
        'resources_live_kind_idx', 'resources', ['kind'], where="status <> 'DELETED'"
    ),
    create_index_concurrently('api_keys_pipeline_idx', 'api_keys', ['pipeline_id']),
    *kit_tables_autovacuum(),
)
