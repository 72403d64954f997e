"""stops before start"""

import sqlalchemy as sa

from service_kit.migration_steps import create_table, reversible
from service_kit.orm_columns import key, ref, stamped

revision = '0004'
down_revision = '0003'

upgrade, downgrade = reversible(
    create_table(
        'stops_before_start',
        lambda: (
            key('pipeline_id'),
            ref('tenant_id'),
            sa.Column('reason', sa.String(length=20), nullable=False),
            stamped('stopped_at'),
        ),
    ),
)
