"""webhook runs in the provisioner's own database"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from service_kit.migration_steps import create_index, create_table, reversible
from service_kit.orm_columns import key, moment, ref, stamped

revision = '0008'
down_revision = '0007'

upgrade, downgrade = reversible(
    create_table(
        'webhook_runs',
        lambda: (
            key('pipeline_id'),
            ref('tenant_id'),
            sa.Column('context', sa.String(length=64), nullable=False),
            sa.Column('secret', postgresql.JSONB(astext_type=sa.Text()), nullable=False, comment='Sealed (key_id, nonce, ciphertext).'),
            moment('expires_at', nullable=False),
            moment('finished_at'),
            stamped('created_at'),
        ),
    ),
    create_index('webhook_runs_expires_idx', 'webhook_runs', ['expires_at']),
)
