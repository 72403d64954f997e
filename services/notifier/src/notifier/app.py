"""notifier: sends the saga's e-mails."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from notifier.adapters.mailer import Mailer, mailer_from_settings
from notifier.api.mailbox import router as mailbox_router
from notifier.consumers import build_consumers
from notifier.settings import NotifierSettings
from service_kit.app import build_app
from service_kit.db import UnitOfWork
from service_kit.runtime import ServiceRuntime, Wiring

Runtime = ServiceRuntime[NotifierSettings, None, UnitOfWork]


def create_app(settings: NotifierSettings, mailer: Mailer | None = None) -> FastAPI:
    chosen = mailer if mailer is not None else mailer_from_settings(settings)

    async def assemble(runtime: Runtime) -> Wiring[None, UnitOfWork]:
        return Wiring(deps=None, consumers=build_consumers(settings, chosen, runtime.uow))

    runtime = ServiceRuntime(settings, assemble, unit_of_work=UnitOfWork)
    routers: list[APIRouter] = []
    if settings.environment != "production":
        routers.append(mailbox_router)
    return build_app(
        runtime,
        title="notifier",
        description="Sends the saga's e-mails (internal: health, metrics and a dev mailbox).",
        routers=routers,
    )
