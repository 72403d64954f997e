"""lead-verifier's domain errors as problem answers, in one place."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from lead_verifier.domain.errors import EmailAlreadyVerified
from service_kit.problems import Conflict, problem_response


def install_domain_errors(app: FastAPI) -> None:
    @app.exception_handler(EmailAlreadyVerified)
    async def _taken(request: Request, exc: EmailAlreadyVerified) -> JSONResponse:
        return problem_response(
            Conflict.status,
            Conflict.title,
            slug=Conflict.slug,
            detail=exc.detail,
            instance=request.url.path,
        )
