"""webhook runs announced by the provisioner"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from service_kit.migration_steps import create_index, create_table, reversible
from service_kit.orm_columns import flag, key, moment, ref, stamped

revision = '0004'
down_revision = '0003'

upgrade, downgrade = reversible(
    create_table(
        'webhook_runs',
        lambda: (
            key('pipeline_id'),
            ref('tenant_id'),
            sa.Column('context', sa.String(length=64), nullable=True, comment="Absent until the run's announcement came."),
            sa.Column('secret', postgresql.JSONB(astext_type=sa.Text()), nullable=True, comment='Sealed (key_id, nonce, ciphertext), as announced.'),
            moment('opened_at', comment='When the provisioner opened it.'),
            moment('expires_at', nullable=False),
            flag('finished'),
            stamped('updated_at'),
        ),
    ),
    create_index('webhook_runs_tenant_idx', 'webhook_runs', ['tenant_id', 'opened_at']),
    create_index('webhook_runs_expires_idx', 'webhook_runs', ['expires_at']),
)
