"""webhook runs announced by the provisioner"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'


def upgrade() -> None:
    op.create_table(
        'webhook_runs',
        sa.Column('pipeline_id', sa.Uuid(), nullable=False),
        sa.Column('tenant_id', sa.Uuid(), nullable=False),
        sa.Column('context', sa.String(length=64), nullable=True, comment="Absent until the run's announcement came."),
        sa.Column('secret', postgresql.JSONB(astext_type=sa.Text()), nullable=True, comment='Sealed (key_id, nonce, ciphertext), as announced.'),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True, comment='When the provisioner opened it.'),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished', sa.Boolean(), server_default=sa.text('false'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('pipeline_id'),
    )
    op.create_index('webhook_runs_tenant_idx', 'webhook_runs', ['tenant_id', 'opened_at'], unique=False)
    op.create_index('webhook_runs_expires_idx', 'webhook_runs', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index('webhook_runs_expires_idx', table_name='webhook_runs')
    op.drop_index('webhook_runs_tenant_idx', table_name='webhook_runs')
    op.drop_table('webhook_runs')
