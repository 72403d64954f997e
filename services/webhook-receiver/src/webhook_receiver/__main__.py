from service_kit.serve import serve
from webhook_receiver.app import create_app
from webhook_receiver.settings import WebhookReceiverSettings

serve(create_app, WebhookReceiverSettings())
