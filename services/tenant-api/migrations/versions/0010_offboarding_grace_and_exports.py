"""offboarding grace (due time, status to restore) and the tenants' exports"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from service_kit.migration_steps import add_column, create_index, create_table, reversible
from service_kit.orm_columns import key, moment, ref, stamped

revision = '0010'
down_revision = '0009'

upgrade, downgrade = reversible(
    add_column('tenants', lambda: moment('offboarding_due_at', comment='End of the grace.')),
    add_column(
        'tenants',
        lambda: sa.Column(
            'offboarding_from',
            sa.String(length=30),
            nullable=True,
            comment='The status a restore goes back to.',
        ),
    ),
    create_index(
        'tenants_offboarding_due_idx',
        'tenants',
        ['offboarding_due_at'],
        where="status = 'OFFBOARDING_SCHEDULED'",
    ),
    create_table(
        'tenant_exports',
        lambda: (
            key('id', comment='The export id.'),
            ref('tenant_id'),
            sa.Column('location', sa.Text(), nullable=False, comment='EXPORT_URL + folder.'),
            sa.Column(
                'status', sa.String(length=20), nullable=False, comment='WRITING, then COMPLETE.'
            ),
            sa.Column(
                'files',
                postgresql.JSONB(astext_type=sa.Text()),
                server_default=sa.text("'[]'::jsonb"),
                nullable=False,
                comment='[{service, path, sha256, size}]',
            ),
            stamped('started_at'),
            moment('completed_at'),
            sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
        ),
    ),
    create_index('tenant_exports_tenant_idx', 'tenant_exports', ['tenant_id', 'started_at']),
)
