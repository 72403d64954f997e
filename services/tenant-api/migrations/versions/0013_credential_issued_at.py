"""credentials: when a handed-over credential was issued, so an older one never replaces it"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'


def upgrade() -> None:
    op.add_column(
        'credentials',
        sa.Column(
            'issued_at',
            sa.DateTime(timezone=True),
            nullable=True,
            comment='Set by its issuer (the provisioner); null: stored through the API.',
        ),
    )


def downgrade() -> None:
    op.drop_column('credentials', 'issued_at')
