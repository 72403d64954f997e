"""local callbacks due once webhook-receiver registered their run"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'


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
