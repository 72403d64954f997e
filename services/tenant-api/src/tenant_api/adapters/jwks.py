"""An identity provider's signing keys (JWKS), cached, selected by `kid`, refreshed on rotation.

The set is fetched when first needed and again once it is older than JWKS_CACHE_SECONDS. A
token whose `kid` is not in the set triggers one refetch, so a rotated key is picked up without
a restart; refetches happen at most once per JWKS_MIN_REFETCH_SECONDS, so tokens with made-up
`kid`s cannot turn the gateway into a flood against the provider. Only RSA signing keys for
RS256 are kept: an `oct` (shared-secret) key in the set is ignored, never used for HMAC.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import structlog

log = structlog.get_logger(__name__)


class JwksUnavailable(Exception):
    """No key set has ever been loaded, and the provider cannot be reached now."""


class JwksKeys:
    def __init__(
        self,
        url: str,
        *,
        cache_seconds: float,
        min_refetch_seconds: float,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._cache_seconds = cache_seconds
        self._min_refetch = min_refetch_seconds
        self._clock = clock
        self._client = httpx.AsyncClient(timeout=timeout)
        self._lock = asyncio.Lock()
        self._keys: dict[str, Any] | None = None
        self._fetched_at = 0.0
        self._attempted_at: float | None = None
        self.fetches = 0  # how often the provider was asked (visible to tests and metrics)

    async def key(self, kid: str) -> Any | None:
        """The public key for `kid`, or None when the provider does not (or no longer) have it."""
        if self._stale():
            await self._load(unless=lambda: not self._stale())
        keys = self._keys or {}
        if kid not in keys and self._may_fetch():
            await self._load(unless=lambda: kid in (self._keys or {}) or not self._may_fetch())
        if self._keys is None:
            raise JwksUnavailable(self._url)
        return self._keys.get(kid)

    async def aclose(self) -> None:
        await self._client.aclose()

    def _stale(self) -> bool:
        expired = self._clock() - self._fetched_at >= self._cache_seconds
        return (self._keys is None or expired) and self._may_fetch()

    def _may_fetch(self) -> bool:
        last = self._attempted_at
        return last is None or self._clock() - last >= self._min_refetch

    async def _load(self, *, unless: Callable[[], bool]) -> None:
        async with self._lock:
            if unless():  # another request refreshed the set while this one waited
                return
            self._attempted_at = self._clock()
            self.fetches += 1
            try:
                response = await self._client.get(self._url)
                response.raise_for_status()
                keys = rsa_signing_keys(response.json())
            except (httpx.HTTPError, ValueError) as exc:
                # Keep serving the keys we have: a provider outage must not log everybody out.
                log.warning("JWKS fetch failed", url=self._url, error=repr(exc))
                return
            self._keys = keys
            self._fetched_at = self._attempted_at
            log.info("JWKS loaded", url=self._url, kids=sorted(keys))


def rsa_signing_keys(document: Any) -> dict[str, Any]:
    """`kid` → RSA public key, for the set's RS256 signing keys; anything else is skipped."""
    found: dict[str, Any] = {}
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ValueError("not a JWK set: no `keys` list")
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA":
            continue
        kid = entry.get("kid")
        if not isinstance(kid, str) or not kid:
            continue
        if entry.get("use", "sig") != "sig" or entry.get("alg", "RS256") != "RS256":
            continue
        try:
            found[kid] = jwt.PyJWK(entry, algorithm="RS256").key
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
            log.warning("JWKS entry skipped: not a usable RSA key", kid=kid)
    return found
