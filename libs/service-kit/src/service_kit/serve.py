"""Run one service with uvicorn: `python -m <service>` ends up here.

With `PROCESSES` above 1, uvicorn binds the port once and starts that many worker processes
on it, each a whole replica of the service (its consumers, relay and sweeper too, which are
safe as competing replicas). A worker is a fresh interpreter that imports the app by name, so
the factory and the settings class travel as import paths in the environment, and each worker
reads its settings from the same environment as this process did. Metrics are then kept in
files that every worker writes and any worker's `/metrics` adds up (prometheus_client's
multiprocess mode).
"""

from __future__ import annotations

import gc
import importlib
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import structlog
import uvicorn
from fastapi import FastAPI

from service_kit.logging import configure_logging
from service_kit.metrics import METRICS_DIR_ENV
from service_kit.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)

FACTORY_ENV = "SERVICE_KIT_APP_FACTORY"
SETTINGS_ENV = "SERVICE_KIT_SETTINGS"
SUPERVISOR_ENV = "SERVICE_KIT_SUPERVISOR_PID"

# How every service is served (the benchmarks serve their baseline app the same way).
UVICORN_OPTIONS: dict[str, Any] = {
    "log_config": None,
    "access_log": False,
    # uvicorn would otherwise take the client's address and scheme from `X-Forwarded-For` and
    # `X-Forwarded-Proto` whenever the peer is 127.0.0.1, so any local caller (or a proxy that
    # passes the header on) could name itself anyone. The socket is the truth; only
    # `service_kit.client_ip` reads forwarding headers, and only from `TRUSTED_PROXIES`.
    "proxy_headers": False,
    "loop": "uvloop",
    "http": "httptools",
    "timeout_graceful_shutdown": 10,
}


def serve(create_app: Callable[[S], FastAPI], settings: S) -> None:
    configure_logging(settings.service_name, settings.log_level, settings.log_format)
    if settings.processes == 1:
        app = create_app(settings)
        _freeze_start_up_objects()
        uvicorn.run(app, host=settings.host, port=settings.port, **UVICORN_OPTIONS)
        return
    os.environ[FACTORY_ENV] = _import_path(create_app)
    os.environ[SETTINGS_ENV] = _import_path(type(settings))
    os.environ[SUPERVISOR_ENV] = str(os.getpid())
    with _metrics_directory(settings.service_name):
        uvicorn.run(
            f"{__name__}:app_from_environment",
            factory=True,
            workers=settings.processes,
            host=settings.host,
            port=settings.port,
            **UVICORN_OPTIONS,
        )


def app_from_environment() -> FastAPI:
    """A worker's app: the factory and settings class `serve` named, settings from the env."""
    settings: ServiceSettings = _resolve(os.environ[SETTINGS_ENV])()
    configure_logging(settings.service_name, settings.log_level, settings.log_format)
    # Which worker said it, among the replicas logging to one stream.
    structlog.contextvars.bind_contextvars(pid=os.getpid())
    # The supervisor's pid as it gave it: a worker that starts after it was killed has a
    # parent already (init), and must not take that one for its supervisor.
    _stop_when_orphaned(int(os.environ[SUPERVISOR_ENV]))
    app: FastAPI = _resolve(os.environ[FACTORY_ENV])(settings)
    _freeze_start_up_objects()
    return app


def _freeze_start_up_objects() -> None:
    """Keep what start-up built (modules, models, routes, compiled statements: ~150,000 objects)
    out of every later garbage collection. A full collection walked them all, a pause of about
    80 ms on the event loop each time; it now walks only what the service made since."""
    gc.collect()
    gc.freeze()


def _stop_when_orphaned(parent: int, interval: float = 1.0) -> None:
    """uvicorn stops its workers when it is asked to stop, but when it is killed outright a
    worker would go on serving and consuming unseen; it stops itself instead (SIGTERM: the
    graceful way, its deliveries in flight are finished or returned to the queue)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        structlog.get_logger(__name__).warning("the supervising process is gone; stopping")
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


def _import_path(obj: Callable[..., Any]) -> str:
    return f"{obj.__module__}:{obj.__qualname__}"


def _resolve(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


@contextmanager
def _metrics_directory(service: str) -> Iterator[None]:
    """The workers' metric files: the operator's `PROMETHEUS_MULTIPROC_DIR`, emptied first as
    prometheus_client requires (counters would otherwise go on from the last run), or a
    private temporary directory removed afterwards."""
    given = os.environ.get(METRICS_DIR_ENV)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
        yield
        return
    path = Path(tempfile.mkdtemp(prefix=f"{service}-metrics-"))
    os.environ[METRICS_DIR_ENV] = str(path)
    try:
        yield
    finally:
        del os.environ[METRICS_DIR_ENV]
        shutil.rmtree(path, ignore_errors=True)
