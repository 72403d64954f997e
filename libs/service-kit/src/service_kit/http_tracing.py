"""HTTP spans: a SERVER span around every request, a CLIENT span (and `traceparent`) on calls out.

Health probes and metrics scrapes are not traced: they would be most of the spans and say nothing
about a saga.
"""

from __future__ import annotations

from typing import Any

import httpx
from opentelemetry.trace import SpanKind
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service_kit import tracing

UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# httpx's own defaults, which it applies only to the transport it builds itself.
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


class ServerSpanMiddleware:
    """Continues the caller's trace (`traceparent`) or starts one; names the span by route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not tracing.enabled() or scope.get("path") in UNTRACED_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {
            name.decode("latin-1"): value
            for name, value in scope["headers"]
            if name in (b"traceparent", b"tracestate", b"user-agent")
        }
        method = scope["method"]
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with tracing.span(
            method,
            kind=SpanKind.SERVER,
            parent=tracing.extract(headers),
            attributes=_request_attributes(scope, headers),
        ) as span:
            try:
                await self.app(scope, receive, send_wrapper)
            finally:
                # The router has put the matched route into the scope by now.
                route = getattr(scope.get("route"), "path", None)
                if route:
                    span.update_name(f"{method} {route}")
                    span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                request_id = scope.get("state", {}).get("request_id")
                if request_id:
                    span.set_attribute("controlplane.request_id", request_id)
                if status >= 500:
                    tracing.record_error(f"HTTP {status}", span)


def _request_attributes(scope: Scope, headers: dict[str, bytes]) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "http.request.method": scope["method"],
        "url.path": scope.get("path", ""),
        "url.scheme": scope.get("scheme", "http"),
        "network.protocol.version": scope.get("http_version", "1.1"),
    }
    server = scope.get("server")
    if server:
        attributes["server.address"], attributes["server.port"] = server[0], server[1] or 0
    client = scope.get("client")
    if client:
        attributes["client.address"] = client[0]
    if "user-agent" in headers:
        attributes["user_agent.original"] = headers["user-agent"].decode("latin-1")[:500]
    return attributes


class TracedTransport(httpx.AsyncBaseTransport):
    """Wraps a transport: a CLIENT span per request, its context sent as `traceparent`."""

    def __init__(self, inner: httpx.AsyncBaseTransport, *, peer: str) -> None:
        self._inner = inner
        self._peer = peer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not tracing.enabled():
            return await self._inner.handle_async_request(request)
        url = request.url
        with tracing.span(
            f"{request.method} {self._peer}",
            kind=SpanKind.CLIENT,
            attributes={
                "http.request.method": request.method,
                # Without the query: it may carry what must not be recorded.
                "url.full": str(url.copy_with(query=None, fragment=None)),
                "server.address": url.host,
                "server.port": url.port or (443 if url.scheme == "https" else 80),
                "peer.service": self._peer,
            },
        ) as span:
            tracing.inject(request.headers)
            response = await self._inner.handle_async_request(request)
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 400:
                tracing.record_error(f"HTTP {response.status_code}", span)
            return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def traced_client(
    *,
    peer: str,
    limits: httpx.Limits | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    **kwargs: Any,
) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` whose calls to `peer` are traced (plain calls when tracing is off)."""
    inner = transport or httpx.AsyncHTTPTransport(limits=limits or DEFAULT_LIMITS)
    return httpx.AsyncClient(transport=TracedTransport(inner, peer=peer), **kwargs)
