"""local driver's pending callbacks"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'


def upgrade() -> None:
    op.create_table(
        'local_callbacks',
        sa.Column('pipeline_id', sa.Uuid(), nullable=False),
        sa.Column('tenant_id', sa.Uuid(), nullable=False),
        sa.Column('tenant_key', sa.String(length=20), nullable=False),
        sa.Column('tier', sa.String(length=20), nullable=False),
        sa.Column('app_url', sa.Text(), nullable=False),
        sa.Column('hold_callback', sa.Boolean(), server_default=sa.text('false'), nullable=False),
        sa.Column('callback_delay', sa.Float(), server_default=sa.text('0'), nullable=False),
        sa.Column('body', sa.Text(), nullable=True, comment="The callback's JSON, once the command has finished."),
        sa.Column('stamp', sa.BigInteger(), nullable=True, comment='Its x-timestamp (ms), signed with it.'),
        sa.Column('owner', sa.Uuid(), nullable=True, comment='The claim that holds the lease.'),
        sa.Column('leased_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('trace_context', postgresql.JSONB(astext_type=sa.Text()), nullable=True, comment='W3C traceparent/tracestate of the step that asked for the callback.'),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('pipeline_id'),
    )


def downgrade() -> None:
    op.drop_table('local_callbacks')
