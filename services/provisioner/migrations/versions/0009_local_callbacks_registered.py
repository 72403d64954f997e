"""local callbacks due once webhook-receiver registered their run

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-14 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'local_callbacks',
        sa.Column(
            'registered_at',
            sa.DateTime(timezone=True),
            nullable=True,
            comment='When webhook-receiver said it stored the run (webhook.run_registered): '
            'the callback is due from then.',
        ),
    )
    # Callbacks pending across the upgrade had their run announced to a receiver that did not
    # answer yet: left unregistered they would wait for a word that never comes.
    op.execute('UPDATE local_callbacks SET registered_at = created_at')


def downgrade() -> None:
    op.drop_column('local_callbacks', 'registered_at')
