"""who asked for each timeline entry"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0009'
down_revision = '0008'


def upgrade() -> None:
    op.add_column(
        'tenant_events',
        sa.Column(
            'actor',
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=True,
            comment='Who asked for it ({sub, role}); null: the system.',
        ),
    )


def downgrade() -> None:
    op.drop_column('tenant_events', 'actor')
