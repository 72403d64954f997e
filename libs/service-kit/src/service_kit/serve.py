"""Run one service with uvicorn: `python -m <service>` ends up here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from service_kit.logging import configure_logging
from service_kit.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def serve(create_app: Callable[[S], FastAPI], settings: S) -> None:
    configure_logging(settings.service_name, settings.log_level, settings.log_format)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        loop="uvloop",
        http="httptools",
        timeout_graceful_shutdown=10,
    )
