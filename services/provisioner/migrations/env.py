from provisioner.adapters.orm import metadata
from provisioner.settings import ProvisionerSettings
from service_kit.migrations import run_env

settings = ProvisionerSettings()
run_env(metadata, database_url=settings.direct_database_url, schema=settings.db_schema)
