"""retention indexes"""

from service_kit.migrations import create_retention_indexes, drop_retention_indexes

revision = '0002'
down_revision = '0001'


def upgrade() -> None:
    create_retention_indexes()


def downgrade() -> None:
    drop_retention_indexes()
