"""pipelines, ledger, keys, subscriptions"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from service_kit.migration_steps import create_index, create_table, reversible
from service_kit.orm_columns import counter, json_object, key, moment, ref, stamped

revision = '0002'
down_revision = '0001'

upgrade, downgrade = reversible(
    create_table(
        'api_keys',
        lambda: (
            key('id'),
            ref('tenant_id'),
            ref('pipeline_id'),
            sa.Column('prefix', sa.String(length=12), nullable=False),
            sa.Column('key_hash', sa.String(length=64), nullable=False, comment='sha256; never the key'),
            stamped('created_at'),
            moment('revoked_at'),
            sa.UniqueConstraint('key_hash'),
        ),
    ),
    create_table(
        'pipelines',
        lambda: (
            key('id'),
            ref('tenant_id'),
            sa.Column('tenant_key', sa.String(length=20), nullable=False),
            sa.Column('tenant_name', sa.String(length=200), nullable=False),
            sa.Column('tier', sa.String(length=20), nullable=False),
            sa.Column('plan', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
            sa.Column('contact', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
            sa.Column('run', sa.Integer(), nullable=False),
            sa.Column('status', sa.String(length=20), nullable=False),
            sa.Column('steps', postgresql.ARRAY(sa.String(length=30)), nullable=False),
            counter('current'),
            counter('attempt'),
            stamped('next_run_at'),
            moment('waiting_deadline'),
            sa.Column('stop_reason', sa.String(length=20), nullable=True),
            sa.Column('failure_step', sa.String(length=30), nullable=True),
            sa.Column('failure_reason', sa.Text(), nullable=True),
            sa.Column('app_url', sa.Text(), nullable=True),
            sa.Column('correlation_event_id', sa.Uuid(), nullable=True, comment='The request that started the pipeline.'),
            stamped('created_at'),
            stamped('updated_at'),
            moment('finished_at'),
        ),
    ),
    create_index('pipelines_due_idx', 'pipelines', ['next_run_at'], where="status IN ('RUNNING', 'COMPENSATING')"),
    create_index('pipelines_one_active_uq', 'pipelines', ['tenant_id'], where="status IN ('RUNNING', 'WAITING', 'COMPENSATING')", unique=True),
    create_index('pipelines_waiting_idx', 'pipelines', ['waiting_deadline'], where="status = 'WAITING'"),
    create_table(
        'resources',
        lambda: (
            key('id'),
            ref('tenant_id'),
            ref('pipeline_id'),
            sa.Column('step', sa.String(length=30), nullable=False),
            sa.Column('kind', sa.String(length=30), nullable=False),
            sa.Column('name', sa.String(length=200), nullable=False),
            sa.Column('status', sa.String(length=20), nullable=False),
            json_object('details'),
            stamped('created_at'),
            stamped('updated_at'),
        ),
    ),
    create_index('resources_pipeline_idx', 'resources', ['pipeline_id', 'created_at']),
    create_index('resources_tenant_idx', 'resources', ['tenant_id', 'created_at']),
    create_table(
        'subscriptions',
        lambda: (
            key('id'),
            ref('tenant_id'),
            ref('pipeline_id'),
            sa.Column('plan_id', sa.String(length=100), nullable=False),
            sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
            sa.Column('currency', sa.String(length=3), nullable=False),
            moment('period_start', nullable=False),
            moment('period_end', nullable=False),
            sa.Column('status', sa.String(length=20), nullable=False),
            stamped('created_at'),
            moment('cancelled_at'),
            sa.UniqueConstraint('pipeline_id'),
        ),
    ),
)
