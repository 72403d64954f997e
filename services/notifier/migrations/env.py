from notifier.adapters.orm import metadata
from notifier.settings import NotifierSettings
from service_kit.migrations import run_env

settings = NotifierSettings()
run_env(metadata, database_url=settings.direct_database_url, schema=settings.db_schema)
