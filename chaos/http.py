"""An HTTP client that rides out a service being down, as a well-behaved API client does:
every write carries an Idempotency-Key, and a request that got no answer, a 502/503/504, or
an answer with Retry-After (a lead still being verified, a key in use) is sent again, the
same request with the same key, until a deadline."""

from __future__ import annotations

import asyncio
import uuid

import httpx

RETRIED_STATUSES = {502, 503, 504}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class RetryingTransport(httpx.AsyncBaseTransport):
    def __init__(self, patience: float) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._patience = patience
        self.retries = 0  # how many requests went out again: reported with each scenario

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method in WRITES and "idempotency-key" not in request.headers:
            request.headers["Idempotency-Key"] = uuid.uuid4().hex
        await request.aread()  # the body is sent again as it was
        deadline = asyncio.get_running_loop().time() + self._patience
        pause = 0.2
        while True:
            try:
                response = await self._inner.handle_async_request(request)
                if response.status_code not in RETRIED_STATUSES and not (
                    response.status_code >= 400 and "retry-after" in response.headers
                ):
                    return response
                body = await response.aread()
                await response.aclose()
                failure = f"HTTP {response.status_code}"
                if response.status_code == 409 and b"idempotency-key-in-progress" not in body:
                    # "Retry in a moment" did nothing, but the gateway keeps that answer under
                    # the key and would replay it: the retry goes under a new key.
                    request.headers["Idempotency-Key"] = uuid.uuid4().hex
            except httpx.TransportError as exc:
                failure = repr(exc)
            if asyncio.get_running_loop().time() + pause > deadline:
                raise httpx.ConnectError(f"gave up after {self._patience:.0f}s: {failure}")
            self.retries += 1
            await asyncio.sleep(pause)  # back-off between attempts, not a wait for a condition
            pause = min(pause * 2, 3.0)

    async def aclose(self) -> None:
        await self._inner.aclose()


def patient_client(
    base_url: str, headers: dict[str, str] | None = None, *, patience: float = 120.0
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        headers=headers or {},
        timeout=15,
        transport=RetryingTransport(patience),
    )


async def answers_ready(client: httpx.AsyncClient, base_url: str) -> bool:
    """Whether the service at `base_url` says it is ready; not answering yet is not ready."""
    try:
        return (await client.get(base_url + "/readyz")).status_code == 200
    except httpx.HTTPError:
        return False
