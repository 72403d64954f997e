from service_kit.migrations import run_env
from webhook_receiver.adapters.orm import metadata
from webhook_receiver.settings import WebhookReceiverSettings

settings = WebhookReceiverSettings()
run_env(metadata, database_url=settings.direct_database_url, schema=settings.db_schema)
