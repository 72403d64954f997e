"""plans pipelines steps invoices"""

from decimal import Decimal

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from service_kit.migration_steps import (
    Step,
    create_foreign_key,
    create_index,
    create_table,
    execute,
    reversible,
)
from service_kit.orm_columns import json_object, key, moment, ref, stamped

revision = '0002'
down_revision = '0001'

# Frozen copy of the seeded catalogue; later changes to plans are new migrations.
plans = sa.table(
    'plans',
    sa.column('id', sa.String),
    sa.column('name', sa.String),
    sa.column('tiers', postgresql.ARRAY(sa.String)),
    sa.column('price', sa.Numeric(10, 2)),
    sa.column('currency', sa.String),
    sa.column('billing_period', sa.String),
    sa.column('external_infrastructure', sa.Boolean),
    sa.column('limits', postgresql.JSONB),
)
PLANS = [
    {
        'id': 'starter', 'name': 'Starter', 'tiers': ['pooled'], 'price': Decimal('0.00'),
        'currency': 'USD', 'billing_period': 'monthly', 'external_infrastructure': None,
        'limits': {'users': 5, 'storageGb': 1, 'apiRequestsPerMinute': 60},
    },
    {
        'id': 'standard', 'name': 'Standard', 'tiers': ['pooled', 'silo'],
        'price': Decimal('49.00'), 'currency': 'USD', 'billing_period': 'monthly',
        'external_infrastructure': None,
        'limits': {'users': 50, 'storageGb': 50, 'apiRequestsPerMinute': 600},
    },
    {
        'id': 'enterprise', 'name': 'Enterprise', 'tiers': ['silo'], 'price': Decimal('499.00'),
        'currency': 'USD', 'billing_period': 'yearly', 'external_infrastructure': True,
        'limits': {'users': None, 'storageGb': 1000, 'apiRequestsPerMinute': 6000},
    },
]



upgrade, downgrade = reversible(
    create_table(
        'plans',
        lambda: (
            sa.Column('id', sa.String(length=100), nullable=False),
            sa.Column('name', sa.String(length=100), nullable=False),
            sa.Column('tiers', postgresql.ARRAY(sa.String(length=20)), nullable=False),
            sa.Column('price', sa.Numeric(precision=10, scale=2), nullable=False, comment='Per billing period.'),
            sa.Column('currency', sa.String(length=3), nullable=False),
            sa.Column('billing_period', sa.String(length=10), nullable=False, comment='monthly or yearly'),
            sa.Column('external_infrastructure', sa.Boolean(), nullable=True, comment='Unset: the silo tier only.'),
            json_object('limits'),
            sa.PrimaryKeyConstraint('id'),
        ),
    ),
    # The seed goes with its table.
    Step(lambda: op.bulk_insert(plans, PLANS), lambda: None),
    create_table(
        'invoices',
        lambda: (
            key('id', comment='The invoice id from billing.invoice_issued.'),
            ref('tenant_id'),
            ref('pipeline_id'),
            sa.Column('plan_id', sa.String(length=100), nullable=True),
            sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
            sa.Column('currency', sa.String(length=3), nullable=False),
            moment('period_start', nullable=False),
            moment('period_end', nullable=False),
            sa.Column('status', sa.String(length=20), nullable=False),
            stamped('created_at'),
            sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
        ),
    ),
    create_index('invoices_tenant_period_idx', 'invoices', ['tenant_id', 'period_start']),
    create_table(
        'pipelines',
        lambda: (
            key('id'),
            ref('tenant_id'),
            sa.Column('run', sa.Integer(), nullable=False),
            sa.Column('status', sa.String(length=20), nullable=False),
            sa.Column('requested_by', sa.String(length=200), nullable=False),
            moment('started_at', nullable=False),
            moment('last_progress_at', nullable=False),
            moment('finished_at'),
            moment('cancel_requested_at'),
            sa.Column('failure_step', sa.String(length=50), nullable=True),
            sa.Column('failure_reason', sa.Text(), nullable=True),
            sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
            sa.UniqueConstraint('tenant_id', 'run', name='pipelines_tenant_run_uq'),
        ),
    ),
    create_index('pipelines_one_active_per_tenant_uq', 'pipelines', ['tenant_id'], where="status IN ('RUNNING', 'TIMING_OUT')", unique=True),
    create_index('pipelines_running_progress_idx', 'pipelines', ['last_progress_at'], where="status = 'RUNNING'"),
    create_table(
        'pipeline_steps',
        lambda: (
            ref('pipeline_id'),
            sa.Column('step', sa.String(length=50), nullable=False),
            sa.Column('status', sa.String(length=20), nullable=False),
            sa.Column('status_attempt', sa.Integer(), nullable=False),
            sa.Column('attempts', sa.Integer(), nullable=False),
            sa.Column('last_error', sa.Text(), nullable=True),
            sa.Column('error_attempt', sa.Integer(), nullable=True),
            moment('started_at'),
            moment('finished_at'),
            moment('updated_by_event_at', nullable=False),
            sa.ForeignKeyConstraint(['pipeline_id'], ['pipelines.id'], ondelete='CASCADE'),
            sa.PrimaryKeyConstraint('pipeline_id', 'step'),
        ),
    ),
    # Tenants from before plans existed (or naming a plan that never existed) get the default.
    execute(
        "UPDATE tenants SET plan_id = 'standard' "
        "WHERE plan_id IS NULL OR plan_id NOT IN (SELECT id FROM plans)"
    ),
    Step(
        lambda: op.alter_column('tenants', 'plan_id', existing_type=sa.VARCHAR(length=100), nullable=False),
        lambda: op.alter_column('tenants', 'plan_id', existing_type=sa.VARCHAR(length=100), nullable=True),
    ),
    create_foreign_key('tenants_plan_id_fkey', 'tenants', 'plans', ['plan_id'], ['id']),
)
