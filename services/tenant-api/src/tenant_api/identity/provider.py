"""The configured OpenID provider, as discovery describes it: endpoints and signing keys.

The discovery document (`{issuer}/.well-known/openid-configuration`, OIDC Discovery §4) is
read when first needed and kept for the process: a provider's endpoints do not move under a
running deployment. Until it has been read once, a failed read is retried at most once per
JWKS_MIN_REFETCH_SECONDS, so a provider outage costs each request nothing and cannot turn the
gateway into a flood. Its keys are an ordinary `JwksKeys` over the discovered `jwks_uri`
(cached, refreshed on an unknown `kid`).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import structlog

from service_kit.oidc_settings import discovery_url
from tenant_api.adapters.jwks import JwksKeys, JwksUnavailable

log = structlog.get_logger(__name__)


class ProviderUnavailable(JwksUnavailable):
    """The provider's discovery document has never been read and cannot be read now."""


class OidcProvider:
    def __init__(
        self,
        issuer: str,
        *,
        cache_seconds: float,
        min_refetch_seconds: float,
        timeout: float = 5.0,
    ) -> None:
        self.issuer = issuer
        self._cache_seconds = cache_seconds
        self._min_refetch = min_refetch_seconds
        self._client = httpx.AsyncClient(timeout=timeout)
        self._lock = asyncio.Lock()
        self._metadata: dict[str, Any] | None = None
        self._attempted_at: float | None = None
        self._keys: JwksKeys | None = None

    async def metadata(self) -> dict[str, Any]:
        """The discovery document, or `ProviderUnavailable`."""
        if self._metadata is not None:
            return self._metadata
        async with self._lock:
            if self._metadata is None and self._may_fetch():
                self._attempted_at = time.monotonic()
                self._metadata = await self._read()
        if self._metadata is None:
            raise ProviderUnavailable(self.issuer)
        return self._metadata

    async def endpoint(self, name: str) -> str:
        """A discovered endpoint (`token_endpoint`, ...), or `ProviderUnavailable` if absent."""
        value = (await self.metadata()).get(name)
        if not isinstance(value, str) or not value:
            raise ProviderUnavailable(f"{self.issuer} announces no {name}")
        return value

    async def key(self, kid: str) -> Any | None:
        """The provider's public key for `kid` (None when it has no such key)."""
        if self._keys is None:
            self._keys = JwksKeys(
                await self.endpoint("jwks_uri"),
                cache_seconds=self._cache_seconds,
                min_refetch_seconds=self._min_refetch,
            )
        return await self._keys.key(kid)

    async def aclose(self) -> None:
        await self._client.aclose()
        if self._keys is not None:
            await self._keys.aclose()

    def _may_fetch(self) -> bool:
        last = self._attempted_at
        return last is None or time.monotonic() - last >= self._min_refetch

    async def _read(self) -> dict[str, Any] | None:
        url = discovery_url(self.issuer)
        try:
            response = await self._client.get(url)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("OpenID discovery failed", url=url, error=repr(exc))
            return None
        # OpenID Connect Discovery §4.3: the document must name the issuer it was asked for,
        # or tokens it "vouches" for could come from anyone who answers at that address.
        if not isinstance(document, dict) or document.get("issuer") != self.issuer:
            log.warning("OpenID discovery names another issuer", url=url)
            return None
        log.info("OpenID provider discovered", issuer=self.issuer)
        return document
