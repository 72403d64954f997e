"""pipeline outage since"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'


def upgrade() -> None:
    op.add_column(
        'pipelines',
        sa.Column(
            'outage_since',
            sa.DateTime(timezone=True),
            nullable=True,
            comment='When the current step (or the compensation) first met an engine away.',
        ),
    )


def downgrade() -> None:
    op.drop_column('pipelines', 'outage_since')
