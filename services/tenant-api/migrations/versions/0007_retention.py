"""retention: indexes for the pruner, resolved dead letters' time, actions kept as audit"""

import sqlalchemy as sa
from alembic import op

from service_kit.migrations import create_retention_indexes, drop_retention_indexes

revision = '0007'
down_revision = '0006'


def upgrade() -> None:
    create_retention_indexes()
    op.add_column('dead_letters', sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE dead_letters d SET resolved_at = COALESCE("
        "(SELECT max(a.at) FROM dead_letter_actions a WHERE a.dead_letter_id = d.id),"
        " d.replayed_at, d.stored_at) WHERE d.status <> 'PARKED'"
    )
    op.create_index(
        'dead_letters_resolved_idx',
        'dead_letters',
        ['resolved_at'],
        postgresql_where=sa.text('resolved_at IS NOT NULL'),
    )
    # The operators' actions are the audit: they outlive the letters they name.
    op.drop_constraint(
        'dead_letter_actions_dead_letter_id_fkey', 'dead_letter_actions', type_='foreignkey'
    )


def downgrade() -> None:
    op.execute(
        "DELETE FROM dead_letter_actions a"
        " WHERE NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.id = a.dead_letter_id)"
    )
    op.create_foreign_key(
        'dead_letter_actions_dead_letter_id_fkey',
        'dead_letter_actions',
        'dead_letters',
        ['dead_letter_id'],
        ['id'],
        ondelete='CASCADE',
    )
    op.drop_index('dead_letters_resolved_idx', table_name='dead_letters')
    op.drop_column('dead_letters', 'resolved_at')
    drop_retention_indexes()
