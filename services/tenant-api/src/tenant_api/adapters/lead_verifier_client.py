"""The gateway's path to lead-verifier: forward a request, answer 503 if it is not there."""

from __future__ import annotations

from typing import Any

import httpx
import structlog
from fastapi import Request, Response

from service_kit.http_tracing import traced_client
from service_kit.middleware import REQUEST_ID_HEADER
from service_kit.problems import ServiceUnavailable

log = structlog.get_logger(__name__)

_FORWARDED_RESPONSE_HEADERS = ("content-type", "www-authenticate", "retry-after")


class LeadVerifierClient:
    def __init__(self, base_url: str, timeout: float) -> None:
        self._client = traced_client(
            peer="lead-verifier",
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        )

    async def forward(
        self,
        path: str,
        request: Request,
        *,
        json: Any = None,
        authorization: str | None = None,
    ) -> Response:
        headers = {REQUEST_ID_HEADER: request.state.request_id}
        if authorization is not None:
            headers["authorization"] = authorization
        try:
            upstream = await self._client.post(path, json=json, headers=headers)
        except httpx.TransportError as exc:
            log.warning("lead-verifier unreachable", error=repr(exc))
            raise ServiceUnavailable(
                "Sign-up is temporarily unavailable; please try again shortly.",
                headers={"Retry-After": "5"},
            ) from exc
        return Response(
            content=upstream.content,
            status_code=upstream.status_code,
            headers={k: v for k, v in upstream.headers.items() if k in _FORWARDED_RESPONSE_HEADERS},
        )

    async def aclose(self) -> None:
        await self._client.aclose()
