"""initial API key handovers, out of Redis"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0008'
down_revision = '0007'


def upgrade() -> None:
    op.create_table(
        'api_key_handovers',
        sa.Column('api_key_id', sa.Uuid(), nullable=False),
        sa.Column('tenant_id', sa.Uuid(), nullable=False),
        sa.Column('prefix', sa.String(length=12), nullable=True),
        sa.Column('sealed_key', postgresql.JSONB(astext_type=sa.Text()), nullable=True, comment='Sealed (key_id, nonce, ciphertext); never plaintext.'),
        sa.Column('revoked', sa.Boolean(), server_default=sa.text('false'), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('api_key_id'),
    )
    op.create_index('api_key_handovers_tenant_idx', 'api_key_handovers', ['tenant_id'], unique=False)
    op.create_index('api_key_handovers_expires_idx', 'api_key_handovers', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index('api_key_handovers_expires_idx', table_name='api_key_handovers')
    op.drop_index('api_key_handovers_tenant_idx', table_name='api_key_handovers')
    op.drop_table('api_key_handovers')
