"""initial API key handovers, out of Redis"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from service_kit.migration_steps import create_index, create_table, reversible
from service_kit.orm_columns import flag, key, moment, ref

revision = '0008'
down_revision = '0007'

upgrade, downgrade = reversible(
    create_table(
        'api_key_handovers',
        lambda: (
            key('api_key_id'),
            ref('tenant_id'),
            sa.Column('prefix', sa.String(length=12), nullable=True),
            sa.Column('sealed_key', postgresql.JSONB(astext_type=sa.Text()), nullable=True, comment='Sealed (key_id, nonce, ciphertext); never plaintext.'),
            flag('revoked'),
            moment('expires_at', nullable=False),
            moment('issued_at'),
        ),
    ),
    create_index('api_key_handovers_tenant_idx', 'api_key_handovers', ['tenant_id']),
    create_index('api_key_handovers_expires_idx', 'api_key_handovers', ['expires_at']),
)
