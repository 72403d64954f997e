"""the tenants' API keys, which the gateway verifies"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from service_kit.migration_steps import create_index, create_table, reversible
from service_kit.orm_columns import key, moment, ref, stamped

revision = '0012'
down_revision = '0011'

upgrade, downgrade = reversible(
    create_table(
        'api_keys',
        lambda: (
            key('id'),
            ref('tenant_id'),
            sa.Column('public_id', sa.String(length=12), nullable=True),
            sa.Column('key_hash', sa.String(length=64), nullable=True, comment='sha256 of the whole key, hex; never the key'),
            sa.Column('name', sa.String(length=100), nullable=False),
            sa.Column('scopes', postgresql.ARRAY(sa.Text()), nullable=False),
            stamped('created_at'),
            sa.Column('created_by', postgresql.JSONB(astext_type=sa.Text()), nullable=True, comment='Who made it ({sub, role}); null: the system.'),
            moment('expires_at'),
            moment('last_used_at', comment='At most once a minute.'),
            moment('revoked_at'),
            sa.Column('rotated_from', sa.Uuid(), nullable=True),
            sa.Column('origin', sa.String(length=10), nullable=False),
            sa.CheckConstraint("origin IN ('initial', 'api')", name='api_keys_origin_ck'),
            sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
            sa.ForeignKeyConstraint(['rotated_from'], ['api_keys.id'], ondelete='SET NULL'),
            sa.UniqueConstraint('public_id'),
        ),
    ),
    create_index('api_keys_tenant_created_idx', 'api_keys', ['tenant_id', 'created_at']),
)
