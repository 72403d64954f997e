"""idempotency keys: a retried sign-up or verification answers as the first did"""

import sqlalchemy as sa

from service_kit.migration_steps import add_column, create_unique_constraint, reversible

revision = '0003'
down_revision = '0002'

upgrade, downgrade = reversible(
    add_column(
        'leads',
        lambda: sa.Column(
            'idempotency_key',
            sa.String(length=64),
            nullable=True,
            comment="sha256 of the sign-up's Idempotency-Key (scoped by the gateway), if it had one",
        ),
    ),
    create_unique_constraint('leads_idempotency_key_key', 'leads', ['idempotency_key']),
    add_column(
        'verification_codes',
        lambda: sa.Column(
            'used_with_key',
            sa.String(length=64),
            nullable=True,
            comment='sha256 of the Idempotency-Key of the verification that used the code',
        ),
    ),
)
