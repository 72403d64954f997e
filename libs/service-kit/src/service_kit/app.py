"""Build a service's FastAPI app around its runtime: lifespan, middleware, errors, health."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.middleware import Middleware
from starlette.types import ASGIApp

from service_kit.body_limit import BodyLimitMiddleware
from service_kit.http_tracing import ServerSpanMiddleware
from service_kit.metrics import exposition, forget_this_process
from service_kit.metrics_access import check_metrics_access
from service_kit.middleware import RequestContextMiddleware
from service_kit.problems import install_problem_handlers, problem_response
from service_kit.runtime import ServiceRuntime
from service_kit.settings import ServiceSettings


class ServiceApp(FastAPI):
    """A FastAPI app whose outermost layers are the server span, the edge and the body cap.

    The body cap sits outside every middleware added with `add_middleware` (rate limits,
    idempotent replays), so none of them ever reads more than `MAX_BODY_BYTES` of a body. Layers
    that only decorate answers and never read a body (request ids, security headers, CORS) are
    added with `add_edge_middleware` and sit outside the cap, so a 413 carries them too.
    """

    max_body_bytes: int = ServiceSettings.model_fields["max_body_bytes"].default

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._edge: list[Middleware] = []

    def add_edge_middleware(self, middleware: Any, **options: Any) -> None:
        """Wrap the app outside the body cap; a layer added later wraps those added before."""
        self._edge.insert(0, Middleware(middleware, **options))

    def build_middleware_stack(self) -> ASGIApp:
        app: ASGIApp = BodyLimitMiddleware(
            super().build_middleware_stack(), max_body_bytes=self.max_body_bytes
        )
        for layer in reversed(self._edge):
            app = layer.cls(app, *layer.args, **layer.kwargs)
        return ServerSpanMiddleware(app)


def build_app(
    runtime: ServiceRuntime[Any, Any, Any],
    *,
    title: str,
    description: str = "",
    routers: Sequence[APIRouter] = (),
) -> ServiceApp:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()
            forget_this_process()

    app = ServiceApp(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    app.max_body_bytes = runtime.settings.max_body_bytes
    app.add_edge_middleware(RequestContextMiddleware, service=runtime.settings.service_name)
    install_problem_handlers(app)
    app.include_router(_ops_router())
    for router in routers:
        app.include_router(router)
    return app


async def get_runtime(request: Request) -> ServiceRuntime[Any, Any, Any]:
    """The runtime of the app serving `request`. A service reads its typed settings and deps
    through a dependency of its own built on this one (its `DepsT` is the runtime's `deps`).

    async: FastAPI runs a plain `def` dependency in its thread pool, a hop on every request."""
    runtime: ServiceRuntime[Any, Any, Any] = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[ServiceRuntime[Any, Any, Any], Depends(get_runtime)]


def _ops_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @router.get("/readyz", responses={503: {"description": "A dependency is unreachable"}})
    async def readyz(runtime: RuntimeDep) -> JSONResponse:
        """Readiness: database, broker reachable, Redis a writable master (where used); own
        checks pass."""
        checks = await runtime.readiness()
        if all(v == "ok" for v in checks.values()):
            return JSONResponse({"status": "ready", "checks": checks})
        failing = ", ".join(k for k, v in checks.items() if v != "ok")
        return problem_response(
            503,
            "Service Unavailable",
            slug="not-ready",
            detail=f"not ready: {failing}",
            checks=checks,
        )

    @router.get("/metrics", include_in_schema=False)
    async def metrics(request: Request, runtime: RuntimeDep) -> Response:
        check_metrics_access(request, runtime.settings.metrics_token)
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    return router
