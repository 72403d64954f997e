"""local driver's pending callbacks"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from service_kit.migration_steps import create_table, reversible
from service_kit.orm_columns import flag, key, moment, ref, stamped

revision = '0005'
down_revision = '0004'

upgrade, downgrade = reversible(
    create_table(
        'local_callbacks',
        lambda: (
            key('pipeline_id'),
            ref('tenant_id'),
            sa.Column('tenant_key', sa.String(length=20), nullable=False),
            sa.Column('tier', sa.String(length=20), nullable=False),
            sa.Column('app_url', sa.Text(), nullable=False),
            flag('hold_callback'),
            sa.Column('callback_delay', sa.Float(), server_default=sa.text('0'), nullable=False),
            sa.Column('body', sa.Text(), nullable=True, comment="The callback's JSON, once the command has finished."),
            sa.Column('stamp', sa.BigInteger(), nullable=True, comment='Its x-timestamp (ms), signed with it.'),
            sa.Column('owner', sa.Uuid(), nullable=True, comment='The claim that holds the lease.'),
            moment('leased_until'),
            sa.Column('trace_context', postgresql.JSONB(astext_type=sa.Text()), nullable=True, comment='W3C traceparent/tracestate of the step that asked for the callback.'),
            stamped('created_at'),
        ),
    ),
)
