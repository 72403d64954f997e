"""outbox and inbox autovacuum"""

from service_kit.migration_steps import kit_tables_autovacuum, reversible

revision = '0005'
down_revision = '0004'

upgrade, downgrade = reversible(*kit_tables_autovacuum())
