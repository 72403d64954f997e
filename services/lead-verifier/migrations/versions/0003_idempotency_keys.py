"""idempotency keys: a retried sign-up or verification answers as the first did"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'


def upgrade() -> None:
    op.add_column(
        'leads',
        sa.Column(
            'idempotency_key',
            sa.String(length=64),
            nullable=True,
            comment="sha256 of the sign-up's Idempotency-Key (scoped by the gateway), if it had one",
        ),
    )
    op.create_unique_constraint('leads_idempotency_key_key', 'leads', ['idempotency_key'])
    op.add_column(
        'verification_codes',
        sa.Column(
            'used_with_key',
            sa.String(length=64),
            nullable=True,
            comment='sha256 of the Idempotency-Key of the verification that used the code',
        ),
    )


def downgrade() -> None:
    op.drop_column('verification_codes', 'used_with_key')
    op.drop_constraint('leads_idempotency_key_key', 'leads', type_='unique')
    op.drop_column('leads', 'idempotency_key')
