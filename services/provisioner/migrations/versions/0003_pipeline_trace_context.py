"""pipeline trace context"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from service_kit.migration_steps import add_column, reversible

revision = '0003'
down_revision = '0002'

upgrade, downgrade = reversible(
    add_column('pipelines', lambda: sa.Column('trace_context', postgresql.JSONB(astext_type=sa.Text()), nullable=True, comment='W3C traceparent/tracestate the next unit of work continues.')),
)
