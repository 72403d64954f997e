"""pipeline outage since

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-12 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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
