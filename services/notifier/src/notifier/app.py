"""notifier: sends the saga's e-mails."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, FastAPI

from notifier.adapters.mailer import Mailer, mailer_from_settings
from notifier.adapters.unit_of_work import NotificationsUnitOfWork
from notifier.api.mailbox import router as mailbox_router
from notifier.consumers import build_consumers
from notifier.deps import NotifierDeps, Runtime
from notifier.settings import NotifierSettings
from service_kit.app import build_app
from service_kit.runtime import ServiceRuntime, Wiring


async def assemble(
    runtime: Runtime, *, mailer: Mailer
) -> Wiring[NotifierDeps, NotificationsUnitOfWork]:
    consumers = build_consumers(runtime.settings, mailer, runtime.uow)
    return Wiring(deps=NotifierDeps(mailer=mailer), consumers=consumers)


def create_app(settings: NotifierSettings, mailer: Mailer | None = None) -> FastAPI:
    chosen = mailer if mailer is not None else mailer_from_settings(settings)
    runtime = ServiceRuntime(
        settings, partial(assemble, mailer=chosen), unit_of_work=NotificationsUnitOfWork
    )
    routers: list[APIRouter] = []
    if settings.environment != "production":
        routers.append(mailbox_router)
    return build_app(
        runtime,
        title="notifier",
        description="Sends the saga's e-mails (internal: health, metrics and a dev mailbox).",
        routers=routers,
    )
