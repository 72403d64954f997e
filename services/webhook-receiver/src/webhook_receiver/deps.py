"""webhook-receiver's runtime as its routes reach it: typed settings, dependencies and unit of
work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from service_kit.app import get_runtime
from service_kit.runtime import ServiceRuntime
from service_kit.sealing import Keyring
from webhook_receiver.adapters.unit_of_work import WebhookUnitOfWork
from webhook_receiver.settings import WebhookReceiverSettings


@dataclass(frozen=True)
class WebhookReceiverDeps:
    """The keys that open the runs' secrets, parsed once."""

    run_keys: Keyring


Runtime = ServiceRuntime[WebhookReceiverSettings, WebhookReceiverDeps, WebhookUnitOfWork]


# The kit's runtime of the app, as this service built it.
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
