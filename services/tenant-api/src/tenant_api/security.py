"""Security headers on every gateway answer, and CORS from the environment.

The API answers JSON only, so its Content-Security-Policy allows nothing at all; the two
documentation pages (Swagger UI, ReDoc) load their scripts and styles from jsDelivr and get a
policy that allows exactly that; the operator console (`/console`) may run only its own files
and call only this origin. An answer to a request that carried `Authorization` or the console's
session cookie is never stored by a cache (`Cache-Control: no-store`).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service_kit.app import ServiceApp
from tenant_api.console.cookies import SESSION_COOKIE
from tenant_api.settings import TenantApiSettings

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
    "https://cdn.redoc.ly; connect-src 'self'; worker-src blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
SESSION_COOKIE_BYTES = f"{SESSION_COOKIE}=".encode()
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
# The operator console: its own scripts and styles only (no inline code), talking to this origin.
CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

# What a browser client may send and read across origins (bearer tokens, never cookies).
# traceparent/tracestate: a browser app may start the trace its requests continue.
CORS_HEADERS = [
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "X-Request-ID",
    "traceparent",
    "tracestate",
]
CORS_EXPOSED = ["Retry-After", "X-Request-ID", "Location"]
CORS_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts_seconds: int) -> None:
        self.app = app
        self.hsts = f"max-age={hsts_seconds}; includeSubDomains" if hsts_seconds > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authenticated = any(
            name == b"authorization" or (name == b"cookie" and SESSION_COOKIE_BYTES in value)
            for name, value in scope["headers"]
        )
        csp = _policy_for(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "no-referrer"
                headers.setdefault("Content-Security-Policy", csp)
                if self.hsts:
                    headers["Strict-Transport-Security"] = self.hsts
                if authenticated:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _policy_for(path: str) -> str:
    if path in DOCS_PATHS:
        return DOCS_CSP
    if path == "/console" or path.startswith("/console/"):
        return CONSOLE_CSP
    return API_CSP


def install_security(app: ServiceApp, settings: TenantApiSettings) -> None:
    """CORS (only when CORS_ALLOW_ORIGINS names origins), then the headers around everything,
    outside the body cap too, so that a 413 is as readable and as protected as any answer."""
    if settings.cors_allow_origins:
        app.add_edge_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_allow_origins),
            allow_methods=CORS_METHODS,
            allow_headers=CORS_HEADERS,
            expose_headers=CORS_EXPOSED,
            allow_credentials=False,
            max_age=600,
        )
    app.add_edge_middleware(SecurityHeadersMiddleware, hsts_seconds=settings.hsts_seconds)
