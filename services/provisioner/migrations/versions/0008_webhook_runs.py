"""webhook runs in the provisioner's own database"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0008'
down_revision = '0007'


def upgrade() -> None:
    op.create_table(
        'webhook_runs',
        sa.Column('pipeline_id', sa.Uuid(), nullable=False),
        sa.Column('tenant_id', sa.Uuid(), nullable=False),
        sa.Column('context', sa.String(length=64), nullable=False),
        sa.Column('secret', postgresql.JSONB(astext_type=sa.Text()), nullable=False, comment='Sealed (key_id, nonce, ciphertext).'),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('pipeline_id'),
    )
    op.create_index('webhook_runs_expires_idx', 'webhook_runs', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index('webhook_runs_expires_idx', table_name='webhook_runs')
    op.drop_table('webhook_runs')
