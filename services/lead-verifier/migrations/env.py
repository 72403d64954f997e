from lead_verifier.adapters.orm import metadata
from lead_verifier.settings import LeadVerifierSettings
from service_kit.migrations import run_env

settings = LeadVerifierSettings()
run_env(metadata, database_url=settings.direct_database_url, schema=settings.db_schema)
