"""idempotency keys: a retried sign-up or verification answers as the first did

Revision ID: 0003
Revises: 0002
Create Date: 2027-01-12 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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
