from provisioner.app import create_app
from provisioner.settings import ProvisionerSettings
from service_kit.serve import serve

serve(create_app, ProvisionerSettings())
