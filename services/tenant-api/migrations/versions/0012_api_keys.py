"""the tenants' API keys, which the gateway verifies"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0012'
down_revision = '0011'


def upgrade() -> None:
    op.create_table(
        'api_keys',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('tenant_id', sa.Uuid(), nullable=False),
        sa.Column('public_id', sa.String(length=12), nullable=True),
        sa.Column('key_hash', sa.String(length=64), nullable=True, comment='sha256 of the whole key, hex; never the key'),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('scopes', postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('created_by', postgresql.JSONB(astext_type=sa.Text()), nullable=True, comment='Who made it ({sub, role}); null: the system.'),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True, comment='At most once a minute.'),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('rotated_from', sa.Uuid(), nullable=True),
        sa.Column('origin', sa.String(length=10), nullable=False),
        sa.CheckConstraint("origin IN ('initial', 'api')", name='api_keys_origin_ck'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['rotated_from'], ['api_keys.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('public_id'),
    )
    op.create_index('api_keys_tenant_created_idx', 'api_keys', ['tenant_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('api_keys_tenant_created_idx', table_name='api_keys')
    op.drop_table('api_keys')
