"""initial schema"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from service_kit.migration_steps import create_index, create_table, kit_tables, reversible
from service_kit.orm_columns import counter, key, moment, stamped

revision = '0001'
down_revision = None

upgrade, downgrade = reversible(
    create_table(
        'leads',
        lambda: (
            key('id'),
            sa.Column('first_name', sa.String(length=100), nullable=False),
            sa.Column('last_name', sa.String(length=100), nullable=False),
            sa.Column('company_name', sa.String(length=200), nullable=False),
            sa.Column('email', sa.String(length=320), nullable=False, comment='Lower-cased.'),
            sa.Column('address', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
            sa.Column('status', sa.String(length=20), nullable=False),
            stamped('created_at'),
            moment('verified_at'),
        ),
    ),
    create_index('leads_verified_email_uq', 'leads', ['email'], where="status = 'VERIFIED'", unique=True),
    create_table(
        'verification_codes',
        lambda: (
            key('lead_id'),
            sa.Column('code_digest', sa.String(length=64), nullable=False, comment='sha256 of the code, never the code'),
            moment('expires_at', nullable=False),
            counter('attempts'),
            moment('used_at'),
            sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], ondelete='CASCADE'),
        ),
    ),
    kit_tables(),
)
