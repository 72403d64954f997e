"""offboarding grace (due time, status to restore) and the tenants' exports"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0010'
down_revision = '0009'


def upgrade() -> None:
    op.add_column(
        'tenants',
        sa.Column(
            'offboarding_due_at',
            sa.DateTime(timezone=True),
            nullable=True,
            comment='End of the grace.',
        ),
    )
    op.add_column(
        'tenants',
        sa.Column(
            'offboarding_from',
            sa.String(length=30),
            nullable=True,
            comment='The status a restore goes back to.',
        ),
    )
    op.create_index(
        'tenants_offboarding_due_idx',
        'tenants',
        ['offboarding_due_at'],
        unique=False,
        postgresql_where=sa.text("status = 'OFFBOARDING_SCHEDULED'"),
    )
    op.create_table(
        'tenant_exports',
        sa.Column('id', sa.Uuid(), nullable=False, comment='The export id.'),
        sa.Column('tenant_id', sa.Uuid(), nullable=False),
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
        sa.Column(
            'started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False
        ),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(
        'tenant_exports_tenant_idx', 'tenant_exports', ['tenant_id', 'started_at'], unique=False
    )


def downgrade() -> None:
    op.drop_index('tenant_exports_tenant_idx', table_name='tenant_exports')
    op.drop_table('tenant_exports')
    op.drop_index(
        'tenants_offboarding_due_idx',
        table_name='tenants',
        postgresql_where=sa.text("status = 'OFFBOARDING_SCHEDULED'"),
    )
    op.drop_column('tenants', 'offboarding_from')
    op.drop_column('tenants', 'offboarding_due_at')
