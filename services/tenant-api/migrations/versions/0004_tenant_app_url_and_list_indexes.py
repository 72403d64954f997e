"""tenant app url, keyset and contacts indexes"""

import sqlalchemy as sa

from service_kit.migration_steps import add_column, create_index, reversible

revision = '0004'
down_revision = '0003'

upgrade, downgrade = reversible(
    create_index('contacts_tenant_idx', 'contacts', ['tenant_id']),
    add_column('tenants', lambda: sa.Column('app_url', sa.Text(), nullable=True, comment='From the provisioning.completed that activated it.')),
    create_index('tenants_created_id_idx', 'tenants', ['created_at', 'id']),
)
