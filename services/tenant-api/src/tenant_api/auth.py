"""Who is calling: bearer JWT verification and role checks, one mechanism for every route.

Two kinds of token. The control plane's own (JWT_ALGORITHM: HS256 with JWT_SECRET, or RS256 with
a provider's JWKS at JWT_JWKS_URL) carry `role`/`tenant_id`/`lead_id` as DESIGN §4 says; minted
with the shared secret for staff and tenants they are *development sign-in*, refused when that
is off (ENVIRONMENT=production unless DEV_SIGN_IN=true); onboarding tokens for leads always work.
An OpenID provider's (OIDC_ISSUER, told apart by `iss`) are RS256 access tokens for the API's
audience, verified with the provider's discovered keys; their role comes from ROLE_CLAIM through
ROLE_MAP, a tenant user's tenant from TENANT_CLAIM, or from the tenant's own registered client.

A token in any other algorithm than its kind's (`none`, or HS256 where RS256 is expected and the
reverse) is refused before any key is looked up. `exp`, `iat`, `iss`, `aud` and `sub` are
required; `exp`/`iat`/`nbf` get JWT_LEEWAY seconds of clock skew.
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
from service_kit.tokens import bearer_credential
from shared_schemas import Actor
from tenant_api.adapters.jwks import JwksUnavailable
from tenant_api.console.credential import check_csrf, console_session
from tenant_api.console.sessions import ConsoleSessions
from tenant_api.domain.roles import Role
from tenant_api.identity.claims import UnmappedClaims, role_of, tenant_of
from tenant_api.identity.token_verifier import TokenVerifier
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


async def decode_principal(token: str, verifier: TokenVerifier) -> Principal:
    try:
        claims = await verifier.claims(token)
        if verifier.from_provider(claims):
            return await _provider_principal(claims, verifier)
        role = Role(str(claims.get("role")))
        tenant_id = UUID(claims["tenant_id"]) if claims.get("tenant_id") else None
        lead_id = UUID(claims["lead_id"]) if claims.get("lead_id") else None
    except JwksUnavailable as exc:
        raise ServiceUnavailable(
            "Tokens cannot be verified right now; retry shortly.", headers={"Retry-After": "5"}
        ) from exc
    except UnmappedClaims as exc:
        raise Forbidden(f"Signed in, but {exc}.") from exc
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise Unauthorized("The bearer token is missing, invalid or expired.") from exc
    if role is Role.TENANT and tenant_id is None:
        raise Unauthorized("A tenant token must carry `tenant_id`.")
    if role is Role.LEAD and lead_id is None:
        raise Unauthorized("A lead token must carry `lead_id`.")
    if role is not Role.LEAD and verifier.dev_tokens_refused:
        raise Unauthorized(
            "Development sign-in is off here: sign in through the identity provider."
        )
    return Principal(sub=str(claims["sub"]), role=role, tenant_id=tenant_id, lead_id=lead_id)


async def _provider_principal(claims: dict[str, Any], verifier: TokenVerifier) -> Principal:
    """A provider's user: a tenant's own client makes them that tenant's, whatever else the
    token says; otherwise ROLE_CLAIM (through ROLE_MAP) and TENANT_CLAIM decide."""
    s = verifier.settings
    sub = str(claims["sub"])
    client = claims.get("client_id") or claims.get("azp")
    if isinstance(client, str) and client not in (s.oidc_client_id, s.oidc_cli_client_id):
        tenant_id = await verifier.tenant_clients.tenant_of_client(client)
        if tenant_id is not None:
            return Principal(sub=sub, role=Role.TENANT, tenant_id=tenant_id)
    role = role_of(claims, s.role_claim, s.role_map)
    tenant = tenant_of(claims, s.tenant_claim) if role is Role.TENANT else None
    return Principal(sub=sub, role=role, tenant_id=tenant)


async def _console_token(request: Request, runtime: Any) -> str | None:
    """The access token of the console session the cookie names (its writes CSRF-checked)."""
    sessions = ConsoleSessions(runtime.redis, runtime.settings.redis_key_prefix)
    found = await console_session(request, sessions)
    if found is None:
        return None
    check_csrf(request, found.session)
    return found.session.access_token


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """Dependency: the caller's principal, if its role is one of `roles` (else 401/403).

    The credential is the bearer token, or with no `Authorization` header at all the console
    session's access token (see console/credential.py); either is verified the same way.

    Every authenticated request also counts against its subject's rate limit (429 past it).
    """

    async def dependency(
        request: Request,
        runtime: RuntimeDep,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Principal:
        token = bearer_credential(authorization)
        if token is None and authorization is None:
            token = await _console_token(request, runtime)
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
