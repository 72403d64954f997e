"""vault, paid invoices, tenant config"""

import sqlalchemy as sa

from service_kit.migration_steps import add_column, create_index, create_table, reversible
from service_kit.orm_columns import json_object, key, moment, ref, stamped

revision = '0003'
down_revision = '0002'

upgrade, downgrade = reversible(
    create_table(
        'vault_audit',
        lambda: (
            key('id'),
            ref('tenant_id'),
            sa.Column('provider', sa.String(length=50), nullable=True),
            sa.Column('action', sa.String(length=30), nullable=False, comment='store, decrypt, delete, rewrap'),
            sa.Column('actor', sa.String(length=200), nullable=False),
            sa.Column('outcome', sa.String(length=20), nullable=False),
            stamped('at'),
        ),
    ),
    create_index('vault_audit_tenant_idx', 'vault_audit', ['tenant_id', 'at']),
    create_table(
        'credentials',
        lambda: (
            ref('tenant_id'),
            sa.Column('provider', sa.String(length=50), nullable=False),
            sa.Column('ciphertext', sa.LargeBinary(), nullable=False, comment='nonce + AES-GCM(secret JSON)'),
            stamped('created_at'),
            stamped('updated_at'),
            sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
            sa.PrimaryKeyConstraint('tenant_id', 'provider'),
        ),
    ),
    create_table(
        'tenant_data_keys',
        lambda: (
            key('tenant_id'),
            sa.Column('wrapped_key', sa.LargeBinary(), nullable=False),
            sa.Column('master_key_version', sa.Integer(), nullable=False),
            stamped('created_at'),
            moment('rewrapped_at'),
            sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
        ),
    ),
    add_column('invoices', lambda: moment('paid_at')),
    add_column('tenants', lambda: json_object('feature_flags')),
    add_column('tenants', lambda: sa.Column('config_generation', sa.BigInteger(), server_default=sa.text('0'), nullable=False, comment='Bumped with every change of what GET /tenants/{id}/config returns.')),
)
