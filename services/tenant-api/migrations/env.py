from service_kit.migrations import run_env
from tenant_api.adapters.orm import metadata
from tenant_api.settings import TenantApiSettings

settings = TenantApiSettings()
run_env(metadata, database_url=settings.direct_database_url, schema=settings.db_schema)
