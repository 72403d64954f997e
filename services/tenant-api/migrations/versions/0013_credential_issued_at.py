"""credentials: when a handed-over credential was issued, so an older one never replaces it"""

from service_kit.migration_steps import add_column, reversible
from service_kit.orm_columns import moment

revision = '0013'
down_revision = '0012'

upgrade, downgrade = reversible(
    add_column(
        'credentials',
        lambda: moment(
            'issued_at',
            comment='Set by its issuer (the provisioner); null: stored through the API.',
        ),
    ),
)
