from service_kit.serve import serve
from tenant_api.app import create_app
from tenant_api.settings import TenantApiSettings

serve(create_app, TenantApiSettings())
