"""Who is calling: bearer JWT verification and role checks, one mechanism for every route.

The algorithm is pinned by JWT_ALGORITHM: HS256 with JWT_SECRET, or RS256 with the identity
provider's keys (JWKS, by `kid`). A token in any other algorithm (`none`, or HS256 when RS256
is configured and the reverse) is refused before any key is looked up. `exp`, `iat`, `iss`,
`aud` and `sub` are required; `exp`/`iat`/`nbf` get JWT_LEEWAY seconds of clock skew.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

import jwt
from fastapi import Depends, Header, Request

from service_kit.app import RuntimeDep
from service_kit.problems import Forbidden, NotFound, ServiceUnavailable, Unauthorized
from service_kit.tokens import bearer_credential, decode_token
from shared_schemas import Actor
from tenant_api.adapters.jwks import JwksKeys, JwksUnavailable
from tenant_api.adapters.verified_tokens import VerifiedTokens
from tenant_api.domain.roles import Role
from tenant_api.settings import TenantApiSettings
from tenant_api.web.limits import per_subject


@dataclass(frozen=True)
class Principal:
    sub: str
    role: Role
    tenant_id: UUID | None = None
    lead_id: UUID | None = None

    @property
    def actor(self) -> Actor:
        """As events record who asked for them."""
        return Actor(sub=self.sub[:200], role=self.role.value)

    def can_see_tenant(self, tenant_id: UUID) -> bool:
        if self.role in (Role.ADMIN, Role.OPERATOR):
            return True
        return self.role is Role.TENANT and self.tenant_id == tenant_id

    def ensure_tenant(self, tenant_id: UUID) -> None:
        """Another tenant's resources answer 404: their existence is not revealed."""
        if not self.can_see_tenant(tenant_id):
            raise NotFound("No such tenant.")


class TokenVerifier:
    """Verifies bearer tokens with the one configured algorithm; built once per app."""

    def __init__(self, settings: TenantApiSettings, jwks: JwksKeys | None = None) -> None:
        self._settings = settings
        self._jwks = jwks
        self._verified = VerifiedTokens()

    @classmethod
    def from_settings(cls, settings: TenantApiSettings) -> TokenVerifier:
        if settings.jwt_algorithm == "RS256":
            assert settings.jwt_jwks_url is not None  # the settings refuse RS256 without it
            jwks = JwksKeys(
                settings.jwt_jwks_url,
                cache_seconds=settings.jwks_cache_seconds,
                min_refetch_seconds=settings.jwks_min_refetch_seconds,
            )
            return cls(settings, jwks)
        return cls(settings)

    async def claims(self, token: str) -> dict[str, Any]:
        """Verified claims, or `jwt.PyJWTError` (or `JwksUnavailable`)."""
        claims = self._verified.get(token)
        # A key the provider has withdrawn withdraws its tokens at once, cached or not.
        if (
            claims is not None
            and self._jwks is not None
            and await self._jwks.key(jwt.get_unverified_header(token)["kid"]) is None
        ):
            claims = None
        if claims is None:
            claims = await self._verify(token)
            self._verified.put(token, claims, leeway=self._settings.jwt_leeway)
        return claims

    async def _verify(self, token: str) -> dict[str, Any]:
        s = self._settings
        if self._jwks is None:
            return decode_token(token, s, leeway=s.jwt_leeway)
        header = jwt.get_unverified_header(token)
        if header.get("alg") != s.jwt_algorithm:
            raise jwt.InvalidAlgorithmError("The token's algorithm is not the configured one.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise jwt.InvalidTokenError("The token names no `kid`.")
        key = await self._jwks.key(kid)
        if key is None:
            raise jwt.InvalidTokenError("The token's `kid` is not among the provider's keys.")
        return decode_token(token, s, leeway=s.jwt_leeway, key=key, algorithm=s.jwt_algorithm)

    async def aclose(self) -> None:
        if self._jwks is not None:
            await self._jwks.aclose()


async def decode_principal(token: str, verifier: TokenVerifier) -> Principal:
    try:
        claims = await verifier.claims(token)
        role = Role(str(claims.get("role")))
        tenant_id = UUID(claims["tenant_id"]) if claims.get("tenant_id") else None
        lead_id = UUID(claims["lead_id"]) if claims.get("lead_id") else None
    except JwksUnavailable as exc:
        raise ServiceUnavailable(
            "Tokens cannot be verified right now; retry shortly.", headers={"Retry-After": "5"}
        ) from exc
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise Unauthorized("The bearer token is missing, invalid or expired.") from exc
    if role is Role.TENANT and tenant_id is None:
        raise Unauthorized("A tenant token must carry `tenant_id`.")
    if role is Role.LEAD and lead_id is None:
        raise Unauthorized("A lead token must carry `lead_id`.")
    return Principal(sub=str(claims["sub"]), role=role, tenant_id=tenant_id, lead_id=lead_id)


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """Dependency: the caller's principal, if its role is one of `roles` (else 401/403).

    Every authenticated request also counts against its subject's rate limit (429 past it).
    """

    async def dependency(
        request: Request,
        runtime: RuntimeDep,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Principal:
        token = bearer_credential(authorization)
        if token is None:
            raise Unauthorized("Send `Authorization: Bearer <token>`.")
        principal = await decode_principal(token, runtime.deps.token_verifier)
        await per_subject(runtime, request.method, principal.sub)
        if principal.role not in roles:
            raise Forbidden(f"This needs one of the roles: {', '.join(r.value for r in roles)}.")
        return principal

    return dependency


# Route signatures name who may call: `principal: AdminCaller`.
LeadCaller = Annotated[Principal, Depends(require(Role.LEAD))]
AdminCaller = Annotated[Principal, Depends(require(Role.ADMIN))]
StaffCaller = Annotated[Principal, Depends(require(Role.ADMIN, Role.OPERATOR))]
TenantReader = Annotated[Principal, Depends(require(Role.ADMIN, Role.OPERATOR, Role.TENANT))]
AnyCaller = Annotated[Principal, Depends(require(*Role))]
# Provisioning: admins, and the onboarding token of the lead that onboarded the tenant.
ProvisionCaller = Annotated[Principal, Depends(require(Role.ADMIN, Role.LEAD))]
# Secrets: admins and the tenant itself, not operators.
KeyReader = Annotated[Principal, Depends(require(Role.ADMIN, Role.TENANT))]
