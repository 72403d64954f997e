"""Build a service's FastAPI app around its runtime: lifespan, middleware, errors, health."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
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
    """A FastAPI app whose outermost layers are the server span and the body cap.

    Outside every middleware a service adds later (security headers, rate limits, idempotent
    replays), so that each of them runs inside the request's trace and none of them ever reads
    more than `MAX_BODY_BYTES` of a body.
    """

    max_body_bytes: int = ServiceSettings.model_fields["max_body_bytes"].default

    def build_middleware_stack(self) -> ASGIApp:
        capped = BodyLimitMiddleware(
            super().build_middleware_stack(), max_body_bytes=self.max_body_bytes
        )
        return ServerSpanMiddleware(capped)


def build_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    description: str = "",
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
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
    app.add_middleware(RequestContextMiddleware, service=runtime.settings.service_name)
    install_problem_handlers(app)
    app.include_router(_ops_router())
    for router in routers:
        app.include_router(router)
    return app


async def get_runtime(request: Request) -> ServiceRuntime:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a hop on every request.
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]


def _ops_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @router.get("/readyz", responses={503: {"description": "A dependency is unreachable"}})
    async def readyz(runtime: RuntimeDep) -> JSONResponse:
        """Readiness: database, broker and (where used) Redis reachable; own checks pass."""
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
