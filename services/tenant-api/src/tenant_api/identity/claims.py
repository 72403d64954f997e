"""From a provider's claims to a role and a tenant (pure: no I/O).

Providers name roles their own way: a `role` claim, or groups (`groups`, `roles`,
`cognito:groups`). ROLE_CLAIM says which claim to read, ROLE_MAP turns the provider's names into
ours. When a user holds several, the most privileged wins, so membership of an extra group never
takes a right away.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from tenant_api.domain.roles import Role

RoleMap = tuple[tuple[str, Role], ...]

# Most privileged first. `lead` never comes from a provider: onboarding tokens are our own.
_PRECEDENCE = (Role.ADMIN, Role.OPERATOR, Role.TENANT)


class UnmappedClaims(ValueError):
    """The token names no role we know, or a tenant user without a usable tenant id."""


def parse_role_map(value: object) -> RoleMap:
    """`group=role,group=role` (or pairs already parsed) to a validated map."""
    if isinstance(value, tuple):
        return value
    pairs: list[tuple[str, Role]] = []
    for item in str(value or "").split(","):
        if not item.strip():
            continue
        group, sep, role = item.rpartition("=")
        if not sep or not group.strip():
            raise ValueError(f"ROLE_MAP entry {item.strip()!r} is not `group=role`")
        try:
            mapped = Role(role.strip())
        except ValueError:
            raise ValueError(
                f"ROLE_MAP maps {group.strip()!r} to an unknown role {role!r}"
            ) from None
        if mapped is Role.LEAD:
            raise ValueError("ROLE_MAP cannot grant the lead role: onboarding tokens are ours")
        pairs.append((group.strip(), mapped))
    return tuple(pairs)


def role_of(claims: Mapping[str, Any], role_claim: str, role_map: RoleMap) -> Role:
    held = claims.get(role_claim)
    names = held if isinstance(held, list) else [held] if isinstance(held, str) else []
    mapped = dict(role_map)
    roles: set[Role] = set()
    for name in names:
        if not isinstance(name, str):
            continue
        if name in mapped:
            roles.add(mapped[name])
        elif name in {r.value for r in _PRECEDENCE}:
            roles.add(Role(name))
    for role in _PRECEDENCE:
        if role in roles:
            return role
    raise UnmappedClaims(f"the token's `{role_claim}` names no role of this control plane")


def tenant_of(claims: Mapping[str, Any], tenant_claim: str) -> UUID:
    value = claims.get(tenant_claim)
    try:
        return UUID(str(value))
    except ValueError:
        raise UnmappedClaims(
            f"a tenant user's token needs a tenant id in `{tenant_claim}`"
        ) from None
