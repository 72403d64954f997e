"""initial schema"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from service_kit.migration_steps import create_index, create_table, kit_tables, reversible
from service_kit.orm_columns import flag, key, moment, ref, stamped

revision = '0001'
down_revision = None

upgrade, downgrade = reversible(
    create_table(
        'lead_facts',
        lambda: (
            key('lead_id'),
            sa.Column('first_name', sa.String(length=100), nullable=False),
            sa.Column('last_name', sa.String(length=100), nullable=False),
            sa.Column('company_name', sa.String(length=200), nullable=False),
            sa.Column('email', sa.String(length=320), nullable=False),
            sa.Column('address', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
            moment('verified_at', nullable=False),
        ),
    ),
    create_table(
        'tenant_events',
        lambda: (
            key('event_id'),
            ref('tenant_id'),
            sa.Column('type', sa.String(length=100), nullable=False),
            moment('occurred_at', nullable=False),
            sa.Column('producer', sa.String(length=100), nullable=False),
            sa.Column('summary', sa.Text(), nullable=False),
            sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        ),
    ),
    create_index('tenant_events_tenant_time_idx', 'tenant_events', ['tenant_id', 'occurred_at']),
    create_table(
        'tenants',
        lambda: (
            key('id'),
            sa.Column('key', sa.String(length=20), nullable=False),
            sa.Column('name', sa.String(length=200), nullable=False),
            sa.Column('status', sa.String(length=30), nullable=False),
            sa.Column('tier', sa.String(length=20), nullable=False),
            sa.Column('plan_id', sa.String(length=100), nullable=True),
            sa.Column('domains', postgresql.ARRAY(sa.String(length=253)), nullable=False),
            sa.Column('lead_id', sa.Uuid(), nullable=True, comment='One tenant per lead.'),
            stamped('created_at'),
            stamped('updated_at'),
            sa.UniqueConstraint('key'),
            sa.UniqueConstraint('lead_id'),
        ),
    ),
    create_index('tenants_status_created_idx', 'tenants', ['status', 'created_at']),
    create_table(
        'addresses',
        lambda: (
            key('tenant_id'),
            sa.Column('address', sa.String(length=200), nullable=False),
            sa.Column('city', sa.String(length=100), nullable=False),
            sa.Column('state', sa.String(length=100), nullable=True),
            sa.Column('zip', sa.String(length=20), nullable=True),
            sa.Column('country', sa.String(length=100), nullable=False),
            sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
        ),
    ),
    create_table(
        'contacts',
        lambda: (
            key('id'),
            ref('tenant_id'),
            sa.Column('first_name', sa.String(length=100), nullable=False),
            sa.Column('last_name', sa.String(length=100), nullable=False),
            sa.Column('email', sa.String(length=320), nullable=False),
            flag('is_primary'),
            sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
        ),
    ),
    create_index('contacts_one_primary_uq', 'contacts', ['tenant_id'], where='is_primary', unique=True),
    kit_tables(),
)
