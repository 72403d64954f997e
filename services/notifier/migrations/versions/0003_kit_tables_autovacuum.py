"""outbox and inbox autovacuum"""

from service_kit.migration_steps import kit_tables_autovacuum, reversible

revision = '0003'
down_revision = '0002'

upgrade, downgrade = reversible(*kit_tables_autovacuum())
