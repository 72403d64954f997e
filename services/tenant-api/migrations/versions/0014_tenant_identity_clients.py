"""tenant_identity_clients: each tenant's own OpenID client, registered by the identity step"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = '0014'
down_revision = '0013'


def upgrade() -> None:
    op.create_table(
        'tenant_identity_clients',
        sa.Column('client_id', sa.String(512), nullable=False),
        sa.Column('issuer', sa.String(2048), nullable=False),
        sa.Column(
            'tenant_id',
            sa.Uuid,
            sa.ForeignKey('tenants.id', ondelete='CASCADE'),
            nullable=False,
        ),
        sa.Column('pipeline_id', sa.Uuid, nullable=True),
        sa.Column(
            'redirect_uris', JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")
        ),
        sa.Column(
            'registered_at',
            sa.DateTime(timezone=True),
            nullable=True,
            comment='Null: its removal arrived first (a tombstone; never live).',
        ),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('client_id', 'issuer'),
    )
    op.create_index('tenant_identity_clients_tenant_idx', 'tenant_identity_clients', ['tenant_id'])


def downgrade() -> None:
    op.drop_table('tenant_identity_clients')
