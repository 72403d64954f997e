"""retention indexes: the kit's, as every service has them"""

from service_kit.migrations import create_retention_indexes as upgrade
from service_kit.migrations import drop_retention_indexes as downgrade

__all__ = ["downgrade", "upgrade"]

revision = '0003'
down_revision = '0002'
