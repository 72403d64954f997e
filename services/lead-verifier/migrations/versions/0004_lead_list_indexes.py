"""lead list indexes: operators' newest-first pages, by status or e-mail domain"""

import sqlalchemy as sa

from service_kit.migration_steps import create_index, reversible

revision = '0004'
down_revision = '0003'

upgrade, downgrade = reversible(
    create_index('leads_created_idx', 'leads', ['created_at', 'id']),
    create_index('leads_status_created_idx', 'leads', ['status', 'created_at', 'id']),
    # The same expression as adapters/orm.py's lead_email_domain: the part after the last `@`.
    create_index(
        'leads_email_domain_created_idx',
        'leads',
        [sa.text("split_part(email, '@', -1)"), 'created_at', 'id'],
    ),
)
