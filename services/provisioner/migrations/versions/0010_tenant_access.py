"""each tenant's newest suspension or reactivation applied"""

import sqlalchemy as sa

from service_kit.migration_steps import create_table, reversible
from service_kit.orm_columns import key, moment, ref, stamped

revision = '0010'
down_revision = '0009'

upgrade, downgrade = reversible(
    create_table(
        'tenant_access',
        lambda: (
            key('tenant_id'),
            sa.Column('suspended', sa.Boolean(), nullable=False),
            moment('as_of', nullable=False, comment='occurred_at of the event applied.'),
            ref('event_id'),
            stamped('updated_at'),
        ),
    ),
)
