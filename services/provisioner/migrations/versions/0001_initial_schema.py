"""initial schema"""

from service_kit.migration_steps import kit_tables, reversible

revision = '0001'
down_revision = None

upgrade, downgrade = reversible(kit_tables())
