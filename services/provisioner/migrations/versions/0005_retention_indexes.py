"""retention indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 12:00:00.000000
"""

from collections.abc import Sequence

from service_kit.migrations import create_retention_indexes, drop_retention_indexes

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_retention_indexes()


def downgrade() -> None:
    drop_retention_indexes()
