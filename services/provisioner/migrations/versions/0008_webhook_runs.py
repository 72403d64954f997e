"""webhook runs in the provisioner's own database

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-12 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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
