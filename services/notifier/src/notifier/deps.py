"""notifier's runtime as its routes and consumers reach it: typed settings, the mailer, and
the unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from notifier.adapters.mailer import Mailer
from notifier.adapters.unit_of_work import NotificationsUnitOfWork
from notifier.settings import NotifierSettings
from service_kit.app import get_runtime
from service_kit.runtime import ServiceRuntime


@dataclass(frozen=True)
class NotifierDeps:
    """The mailer every e-mail goes through (SMTP, or the mail folder), chosen once."""

    mailer: Mailer


Runtime = ServiceRuntime[NotifierSettings, NotifierDeps, NotificationsUnitOfWork]


# The kit's runtime of the app, as this service built it.
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
