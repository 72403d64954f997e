"""ASGI middleware: request ids in logs and responses, HTTP metrics."""

from __future__ import annotations

import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service_kit import metrics
from service_kit.http_middleware import HttpMiddleware

REQUEST_ID_HEADER = "x-request-id"


class RequestContextMiddleware(HttpMiddleware):
    """Binds a request id (incoming `X-Request-ID` or a new one) and records metrics."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        super().__init__(app)
        self.service = service

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"])
        incoming = headers.get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = incoming if 0 < len(incoming) <= 100 else str(uuid.uuid4())
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(service=self.service, request_id=request_id)

        status = 500
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"].append((b"x-request-id", request_id.encode("latin-1")))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "<unmatched>"
            metrics.HTTP_REQUESTS.labels(scope["method"], path, str(status)).inc()
            metrics.HTTP_LATENCY.labels(scope["method"], path).observe(
                time.perf_counter() - started
            )
