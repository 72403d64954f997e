"""pipelines.outage_since: when the current step first met an engine away"""

from service_kit.migration_steps import add_column, reversible
from service_kit.orm_columns import moment

revision = '0007'
down_revision = '0006'

upgrade, downgrade = reversible(
    add_column(
        'pipelines',
        lambda: moment(
            'outage_since',
            comment='When the current step (or the compensation) first met an engine away.',
        ),
    ),
)
