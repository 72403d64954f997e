from notifier.app import create_app
from notifier.settings import NotifierSettings
from service_kit.serve import serve

serve(create_app, NotifierSettings())
