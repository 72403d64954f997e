"""Verifying bearer tokens of both kinds, each with its pinned algorithm (see `tenant_api.auth`
for what the kinds are and how a verified token becomes a caller)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol
from uuid import UUID

import jwt

from service_kit.tokens import decode_token
from tenant_api.adapters.jwks import JwksKeys
from tenant_api.adapters.verified_tokens import VerifiedTokens
from tenant_api.identity.provider import OidcProvider
from tenant_api.settings import TenantApiSettings


class TenantClients(Protocol):
    """Which tenant an OpenID client was registered for (by the `identity` saga step)."""

    async def tenant_of_client(self, client_id: str) -> UUID | None: ...


class NoTenantClients:
    async def tenant_of_client(self, client_id: str) -> UUID | None:
        return None


class TokenVerifier:
    """Verifies bearer tokens of both kinds, each with its pinned algorithm; built once per app."""

    def __init__(
        self,
        settings: TenantApiSettings,
        jwks: JwksKeys | None = None,
        provider: OidcProvider | None = None,
        tenant_clients: TenantClients | None = None,
    ) -> None:
        self._settings = settings
        self._jwks = jwks
        self._provider = provider
        self.tenant_clients: TenantClients = tenant_clients or NoTenantClients()
        self._verified = VerifiedTokens()

    @classmethod
    def from_settings(cls, settings: TenantApiSettings) -> TokenVerifier:
        cache, refetch = settings.jwks_cache_seconds, settings.jwks_min_refetch_seconds
        jwks = None
        if settings.jwt_algorithm == "RS256":
            assert settings.jwt_jwks_url is not None  # the settings refuse RS256 without it
            jwks = JwksKeys(settings.jwt_jwks_url, cache_seconds=cache, min_refetch_seconds=refetch)
        provider = None
        if settings.oidc_issuer is not None:
            provider = OidcProvider(
                settings.oidc_issuer, cache_seconds=cache, min_refetch_seconds=refetch
            )
        return cls(settings, jwks, provider)

    @property
    def settings(self) -> TenantApiSettings:
        return self._settings

    @property
    def provider(self) -> OidcProvider | None:
        return self._provider

    @property
    def dev_tokens_refused(self) -> bool:
        """Staff and tenant tokens minted with the shared secret are development sign-in."""
        return self._jwks is None and not self._settings.development_sign_in

    def from_provider(self, claims: dict[str, Any]) -> bool:
        return self._provider is not None and claims.get("iss") == self._provider.issuer

    async def claims(self, token: str) -> dict[str, Any]:
        """Verified claims, or `jwt.PyJWTError` (or `JwksUnavailable`)."""
        claims = self._verified.get(token)
        # A key the provider has withdrawn withdraws its tokens at once, cached or not.
        if claims is not None and await self._key_withdrawn(token, claims):
            claims = None
        if claims is None:
            claims = await self._verify(token)
            self._verified.put(token, claims, leeway=self._settings.jwt_leeway)
        return claims

    async def _key_withdrawn(self, token: str, claims: dict[str, Any]) -> bool:
        kid = jwt.get_unverified_header(token).get("kid", "")
        if self.from_provider(claims):
            assert self._provider is not None
            return await self._provider.key(kid) is None
        return self._jwks is not None and await self._jwks.key(kid) is None

    async def _verify(self, token: str) -> dict[str, Any]:
        s = self._settings
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        if self._provider is not None and issuer == self._provider.issuer:
            key = await signing_key(token, self._provider.key)
            return decode_token(
                token,
                s,
                leeway=s.jwt_leeway,
                key=key,
                algorithm="RS256",
                issuer=self._provider.issuer,
                audience=s.api_audience,
            )
        if self._jwks is None:
            return decode_token(token, s, leeway=s.jwt_leeway)
        key = await signing_key(token, self._jwks.key)
        return decode_token(token, s, leeway=s.jwt_leeway, key=key, algorithm=s.jwt_algorithm)

    async def aclose(self) -> None:
        if self._jwks is not None:
            await self._jwks.aclose()
        if self._provider is not None:
            await self._provider.aclose()


async def signing_key(token: str, find: Callable[[str], Awaitable[Any | None]]) -> Any:
    """The RS256 public key `find` has for the token's `kid`; `jwt.PyJWTError` when the token
    is in another algorithm, names no `kid`, or one the provider does not have."""
    header = jwt.get_unverified_header(token)
    if header.get("alg") != "RS256":
        raise jwt.InvalidAlgorithmError("The token's algorithm is not the configured one.")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise jwt.InvalidTokenError("The token names no `kid`.")
    key = await find(kid)
    if key is None:
        raise jwt.InvalidTokenError("The token's `kid` is not among the provider's keys.")
    return key
