"""stops before start"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'


def upgrade() -> None:
    op.create_table(
        'stops_before_start',
        sa.Column('pipeline_id', sa.Uuid(), nullable=False),
        sa.Column('tenant_id', sa.Uuid(), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('stopped_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('pipeline_id'),
    )


def downgrade() -> None:
    op.drop_table('stops_before_start')
