"""notifier: sends the saga's e-mails."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from notifier.adapters.mailer import Mailer, mailer_from_settings
from notifier.api.mailbox import router as mailbox_router
from notifier.consumers import build_consumers
from notifier.settings import NotifierSettings
from service_kit.app import build_app
from service_kit.runtime import ServiceRuntime


def create_app(settings: NotifierSettings, mailer: Mailer | None = None) -> FastAPI:
    if mailer is None:
        mailer = mailer_from_settings(settings)
    runtime = ServiceRuntime(settings)
    # The consumers need the runtime's units of work, so they join it after it exists.
    runtime.consumers.extend(build_consumers(settings, mailer, runtime.uow))
    routers: list[APIRouter] = []
    if settings.environment != "production":
        routers.append(mailbox_router)
    return build_app(
        runtime,
        title="notifier",
        description="Sends the saga's e-mails (internal: health, metrics and a dev mailbox).",
        routers=routers,
    )
