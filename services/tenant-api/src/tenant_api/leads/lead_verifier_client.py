"""The gateway's path to lead-verifier: forward a request with the client's scoped
Idempotency-Key; 503 if it was never sent, 504 if its outcome is unknown."""

from __future__ import annotations

from typing import Any

import httpx
import structlog
from fastapi import Request, Response

from service_kit.http_tracing import traced_client
from service_kit.middleware import REQUEST_ID_HEADER
from service_kit.problems import ProblemError, ServiceUnavailable

log = structlog.get_logger(__name__)

_FORWARDED_RESPONSE_HEADERS = ("content-type", "www-authenticate", "retry-after")
# Failures before a byte of the request left: lead-verifier cannot have acted on it.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
RETRY_AFTER_SECONDS = "5"


class UpstreamOutcomeUnknown(ProblemError):
    """The request was sent and no answer came (timed out, connection broken): it may have
    taken effect. A retry under the same Idempotency-Key reaches lead-verifier, which answers
    what the first attempt did instead of doing it again."""

    status, title, slug = 504, "Gateway Timeout", "upstream-timeout"


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
        idempotency_key: str | None = None,
    ) -> Response:
        headers = {REQUEST_ID_HEADER: request.state.request_id}
        if authorization is not None:
            headers["authorization"] = authorization
        if idempotency_key is not None:
            headers["idempotency-key"] = idempotency_key
        retry = {"Retry-After": RETRY_AFTER_SECONDS}
        try:
            upstream = await self._client.post(path, json=json, headers=headers)
        except _NOT_SENT as exc:
            log.warning("lead-verifier unreachable", error=repr(exc))
            raise ServiceUnavailable(
                "Sign-up is temporarily unavailable; please try again shortly.", headers=retry
            ) from exc
        except httpx.TransportError as exc:
            log.warning("lead-verifier did not answer", error=repr(exc))
            again = (
                "Retry with the same Idempotency-Key: it will not be done twice."
                if idempotency_key
                else "Send an Idempotency-Key to make a retry safe."
            )
            raise UpstreamOutcomeUnknown(
                f"No answer in time; the request may have been done. {again}", headers=retry
            ) from exc
        return Response(
            content=upstream.content,
            status_code=upstream.status_code,
            headers={k: v for k, v in upstream.headers.items() if k in _FORWARDED_RESPONSE_HEADERS},
        )

    async def aclose(self) -> None:
        await self._client.aclose()
