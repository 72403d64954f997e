"""RFC 9457 error responses: typed errors become problem+json in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service_kit.db_outage import DATABASE_ERRORS, is_database_outage
from shared_schemas import Problem

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://controlplane.dev/problems/"

# The framework's own refusals, before any route of ours runs. FastAPI answers 400 only when a
# body cannot be parsed at all (nested past the JSON parser's depth, say): JSON syntax errors
# are 422 validation problems already.
_FRAMEWORK_SLUGS = {
    400: "malformed-body",
    404: "not-found",
    405: "method-not-allowed",
    413: "too-large",
}


class ProblemError(Exception):
    """Raise from anywhere in a request; becomes a problem response with this status."""

    status: int = 400
    title: str = "Bad Request"
    slug: str = "bad-request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.headers = headers
        self.extra = extra


class NotFound(ProblemError):
    status, title, slug = 404, "Not Found", "not-found"


class Conflict(ProblemError):
    status, title, slug = 409, "Conflict", "conflict"


class Unauthorized(ProblemError):
    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"}, **extra)


class Forbidden(ProblemError):
    status, title, slug = 403, "Forbidden", "forbidden"


class Unprocessable(ProblemError):
    status, title, slug = 422, "Unprocessable Content", "validation"


class ServiceUnavailable(ProblemError):
    status, title, slug = 503, "Service Unavailable", "unavailable"


# Seconds a client is asked to wait while the database is away: a restart or a failover takes a
# few, and the pool opens a fresh connection on the first request after it.
DATABASE_RETRY_AFTER = 5


def problem_response(
    status: int,
    title: str,
    *,
    slug: str | None = None,
    detail: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = Problem(
        type=PROBLEM_BASE + slug if slug else "about:blank",
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        **extra,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True, mode="json"),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def answer_problem(request: Request, exc: ProblemError) -> JSONResponse:
    """The RFC 9457 answer to `request` for a raised (or mapped) problem."""
    return problem_response(
        exc.status,
        exc.title,
        slug=exc.slug,
        detail=exc.detail,
        instance=request.url.path,
        headers=exc.headers,
        **exc.extra,
    )


def answer_domain_errors(
    app: FastAPI, problems: Mapping[type[Exception], type[ProblemError]]
) -> None:
    """Answer each domain error as its problem, the error's message as the problem's detail:
    a service's domain stays free of HTTP, and its mapping sits in one place."""
    for error, problem in problems.items():

        async def _domain(
            request: Request, exc: Exception, problem: type[ProblemError] = problem
        ) -> JSONResponse:
            return answer_problem(request, problem(str(exc)))

        app.add_exception_handler(error, _domain)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return answer_problem(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": e.get("msg", ""),
                "type": e.get("type", ""),
            }
            for e in exc.errors()
        ]
        return problem_response(
            422,
            "Unprocessable Content",
            slug="validation",
            detail="The request is not valid; see `errors`.",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            exc.status_code,
            _reason(exc.status_code),
            slug=_FRAMEWORK_SLUGS.get(exc.status_code),
            detail=exc.detail if isinstance(exc.detail, str) else None,
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    async def _outage(request: Request, exc: Exception) -> JSONResponse:
        if not is_database_outage(exc):
            raise exc  # a database error of the code's own making: the 500 below
        return _database_unavailable(request, exc)

    for kind in DATABASE_ERRORS:
        app.add_exception_handler(kind, _outage)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_database_outage(exc):  # raised outside the routes, in a middleware
            return _database_unavailable(request, exc)
        log.exception("unhandled error", path=request.url.path)
        return problem_response(
            500,
            "Internal Server Error",
            detail="Something went wrong on our side; it has been logged.",
            instance=request.url.path,
        )


def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    # A warning, not log.exception: the outage is the database's, and a traceback per request
    # would bury the one line that says so.
    log.warning("database unavailable", path=request.url.path, error=type(exc).__name__)
    return problem_response(
        503,
        "Service Unavailable",
        slug="database-unavailable",
        detail="The database cannot be reached right now; try again shortly.",
        instance=request.url.path,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
    )


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_responses(**described: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for problem answers: `problem_responses(r401="...", r409="...")`."""
    return {
        int(code.removeprefix("r")): {
            "description": text,
            "model": Problem,
            "content": {PROBLEM_JSON: {}},
        }
        for code, text in described.items()
    }
