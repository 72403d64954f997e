"""each tenant's newest suspension or reactivation applied"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'


def upgrade() -> None:
    op.create_table(
        'tenant_access',
        sa.Column('tenant_id', sa.Uuid(), nullable=False),
        sa.Column('suspended', sa.Boolean(), nullable=False),
        sa.Column('as_of', sa.DateTime(timezone=True), nullable=False, comment='occurred_at of the event applied.'),
        sa.Column('event_id', sa.Uuid(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('tenant_id'),
    )


def downgrade() -> None:
    op.drop_table('tenant_access')
