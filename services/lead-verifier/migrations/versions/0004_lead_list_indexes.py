"""lead list indexes: operators' newest-first pages, by status or e-mail domain"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'


def upgrade() -> None:
    op.create_index('leads_created_idx', 'leads', ['created_at', 'id'])
    op.create_index('leads_status_created_idx', 'leads', ['status', 'created_at', 'id'])
    # The same expression as adapters/orm.py's lead_email_domain: the part after the last `@`.
    op.create_index(
        'leads_email_domain_created_idx',
        'leads',
        [sa.text("split_part(email, '@', -1)"), 'created_at', 'id'],
    )


def downgrade() -> None:
    op.drop_index('leads_email_domain_created_idx', table_name='leads')
    op.drop_index('leads_status_created_idx', table_name='leads')
    op.drop_index('leads_created_idx', table_name='leads')
