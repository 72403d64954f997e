"""Who is calling: bearer JWT verification and role checks, one mechanism for every route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated
from uuid import UUID

import jwt
from fastapi import Depends, Header

from service_kit.app import RuntimeDep
from service_kit.problems import Forbidden, NotFound, Unauthorized
from service_kit.tokens import decode_token
from tenant_api.settings import TenantApiSettings


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    TENANT = "tenant"
    LEAD = "lead"


@dataclass(frozen=True)
class Principal:
    sub: str
    role: Role
    tenant_id: UUID | None = None
    lead_id: UUID | None = None

    def can_see_tenant(self, tenant_id: UUID) -> bool:
        if self.role in (Role.ADMIN, Role.OPERATOR):
            return True
        return self.role is Role.TENANT and self.tenant_id == tenant_id

    def ensure_tenant(self, tenant_id: UUID) -> None:
        """Another tenant's resources answer 404: their existence is not revealed."""
        if not self.can_see_tenant(tenant_id):
            raise NotFound("No such tenant.")


def decode_principal(token: str, settings: TenantApiSettings) -> Principal:
    try:
        claims = decode_token(token, settings, leeway=settings.jwt_leeway)
        role = Role(str(claims.get("role")))
        tenant_id = UUID(claims["tenant_id"]) if claims.get("tenant_id") else None
        lead_id = UUID(claims["lead_id"]) if claims.get("lead_id") else None
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise Unauthorized("The bearer token is missing, invalid or expired.") from exc
    if role is Role.TENANT and tenant_id is None:
        raise Unauthorized("A tenant token must carry `tenant_id`.")
    if role is Role.LEAD and lead_id is None:
        raise Unauthorized("A lead token must carry `lead_id`.")
    return Principal(sub=str(claims["sub"]), role=role, tenant_id=tenant_id, lead_id=lead_id)


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """Dependency: the caller's principal, if its role is one of `roles` (else 401/403)."""

    async def dependency(
        runtime: RuntimeDep, authorization: Annotated[str | None, Header()] = None
    ) -> Principal:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("Send `Authorization: Bearer <token>`.")
        settings: TenantApiSettings = runtime.settings  # type: ignore[assignment]
        principal = decode_principal(token.strip(), settings)
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
