"""local callbacks due once webhook-receiver registered their run"""

from service_kit.migration_steps import add_column, execute, reversible
from service_kit.orm_columns import moment

revision = '0009'
down_revision = '0008'

upgrade, downgrade = reversible(
    add_column(
        'local_callbacks',
        lambda: moment(
            'registered_at',
            comment='When webhook-receiver said it stored the run (webhook.run_registered): '
            'the callback is due from then.',
        ),
    ),
    # Callbacks pending across the upgrade had their run announced to a receiver that did not
    # answer yet: left unregistered they would wait for a word that never comes.
    execute('UPDATE local_callbacks SET registered_at = created_at'),
)
