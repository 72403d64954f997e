"""retention indexes"""

from service_kit.migrations import create_retention_indexes, drop_retention_indexes

revision = '0006'
down_revision = '0005'


def upgrade() -> None:
    create_retention_indexes()


def downgrade() -> None:
    drop_retention_indexes()
