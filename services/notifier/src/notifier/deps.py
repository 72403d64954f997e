"""notifier's runtime as its routes and consumers reach it: typed settings, the mailer, and
the unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from notifier.adapters.mailer import Mailer
from notifier.adapters.unit_of_work import NotificationsUnitOfWork
from notifier.settings import NotifierSettings
from service_kit.app import RuntimeDep as KitRuntimeDep
from service_kit.runtime import ServiceRuntime


@dataclass(frozen=True)
class NotifierDeps:
    """The settings and the mailer every e-mail goes through."""

    settings: NotifierSettings
    mailer: Mailer


Runtime = ServiceRuntime[NotifierSettings, NotifierDeps, NotificationsUnitOfWork]


async def get_runtime(runtime: KitRuntimeDep) -> Runtime:
    typed: Runtime = runtime
    return typed


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
