from lead_verifier.app import create_app
from lead_verifier.settings import LeadVerifierSettings
from service_kit.serve import serve

serve(create_app, LeadVerifierSettings())
