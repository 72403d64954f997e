"""Problem answers the routes share, and domain errors mapped to HTTP in one place."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from service_kit.problems import problem_response
from tenant_api.domain.status import InvalidTransition

AUTH = {"r401": "Missing or invalid token", "r403": "The role may not do this"}
NOT_FOUND = "No such tenant (or not yours)"


def install_domain_errors(app: FastAPI) -> None:
    @app.exception_handler(InvalidTransition)
    async def _refused(request: Request, exc: InvalidTransition) -> JSONResponse:
        return problem_response(
            409,
            "Conflict",
            slug="invalid-transition",
            detail=f"A tenant in {exc.current} cannot become {exc.target}; nothing was changed.",
            instance=request.url.path,
            tenantStatus=exc.current.value,
        )
