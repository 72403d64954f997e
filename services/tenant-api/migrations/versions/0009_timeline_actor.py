"""who asked for each timeline entry"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from service_kit.migration_steps import add_column, reversible

revision = '0009'
down_revision = '0008'

upgrade, downgrade = reversible(
    add_column(
        'tenant_events',
        lambda: sa.Column(
            'actor',
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=True,
            comment='Who asked for it ({sub, role}); null: the system.',
        ),
    ),
)
