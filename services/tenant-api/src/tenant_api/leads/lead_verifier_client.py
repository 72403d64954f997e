"""The gateway's path to lead-verifier: forward a request with the client's scoped
Idempotency-Key, or read its internal staff routes with the gateway's own credential; 503 if
it was never sent, 504 if its outcome is unknown."""

from __future__ import annotations

from typing import Any

import httpx
import structlog
from fastapi import Request, Response
from pydantic import SecretStr

from service_kit.http_tracing import traced_client
from service_kit.internal_calls import internal_headers
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


class UpstreamRefusedGateway(ProblemError):
    """lead-verifier refused the gateway's own credential: INTERNAL_API_TOKEN differs between
    the two. Not the caller's fault, so never a 401 that would look like their token's."""

    status, title, slug = 502, "Bad Gateway", "upstream-refused"


class LeadVerifierClient:
    def __init__(self, base_url: str, timeout: float, internal_token: SecretStr) -> None:
        self._internal_token = internal_token
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
        """A client's sign-up or verification, passed on as it came."""
        headers = {REQUEST_ID_HEADER: request.state.request_id}
        if authorization is not None:
            headers["authorization"] = authorization
        if idempotency_key is not None:
            headers["idempotency-key"] = idempotency_key
        again = (
            "Retry with the same Idempotency-Key: it will not be done twice."
            if idempotency_key
            else "Send an Idempotency-Key to make a retry safe."
        )
        upstream = await self._send(
            self._client.build_request("POST", path, json=json, headers=headers),
            unavailable="Sign-up is temporarily unavailable; please try again shortly.",
            unknown=f"No answer in time; the request may have been done. {again}",
        )
        return _relayed(upstream)

    async def read(self, path: str, request: Request, params: dict[str, Any]) -> Response:
        """A staff read of lead-verifier's internal routes; the caller's role is checked already."""
        headers = {
            REQUEST_ID_HEADER: request.state.request_id,
            **internal_headers(self._internal_token),
        }
        upstream = await self._send(
            self._client.build_request("GET", path, params=params, headers=headers),
            unavailable="Leads cannot be read right now; please try again shortly.",
            unknown="lead-verifier did not answer in time; a read changes nothing, so retry it.",
        )
        if upstream.status_code == 401:
            log.error("lead-verifier refused the gateway's INTERNAL_API_TOKEN", path=path)
            raise UpstreamRefusedGateway(
                "lead-verifier refused the gateway's credential: INTERNAL_API_TOKEN must be the "
                "same on both."
            )
        return _relayed(upstream)

    async def _send(
        self, outgoing: httpx.Request, *, unavailable: str, unknown: str
    ) -> httpx.Response:
        retry = {"Retry-After": RETRY_AFTER_SECONDS}
        try:
            return await self._client.send(outgoing)
        except _NOT_SENT as exc:
            log.warning("lead-verifier unreachable", error=repr(exc))
            raise ServiceUnavailable(unavailable, headers=retry) from exc
        except httpx.TransportError as exc:
            log.warning("lead-verifier did not answer", error=repr(exc))
            raise UpstreamOutcomeUnknown(unknown, headers=retry) from exc

    async def aclose(self) -> None:
        await self._client.aclose()


def _relayed(upstream: httpx.Response) -> Response:
    return Response(
        content=upstream.content,
        status_code=upstream.status_code,
        headers={k: v for k, v in upstream.headers.items() if k in _FORWARDED_RESPONSE_HEADERS},
    )
