"""From a provider's claims to our roles: ROLE_CLAIM, ROLE_MAP and TENANT_CLAIM (pure)."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from tenant_api.domain.roles import Role
from tenant_api.identity.claims import UnmappedClaims, parse_role_map, role_of, tenant_of
from tenant_api.identity.settings import IdentitySettings

GROUPS = parse_role_map("cp-admins=admin, cp-ops=operator,customers=tenant")


@pytest.mark.parametrize(
    ("held", "role"),
    [
        (["cp-ops"], Role.OPERATOR),
        (["customers", "cp-ops", "unrelated"], Role.OPERATOR),  # the most privileged wins
        (["cp-ops", "cp-admins"], Role.ADMIN),
        ("cp-admins", Role.ADMIN),  # a single value, not a list
        (["operator"], Role.OPERATOR),  # a role's own name counts as itself
    ],
)
def test_the_most_privileged_role_held_wins(held: object, role: Role) -> None:
    assert role_of({"groups": held}, "groups", GROUPS) is role


@pytest.mark.parametrize("held", [None, [], ["unrelated"], ["lead"], 7, [{"name": "cp-admins"}]])
def test_claims_that_name_no_role_of_ours_are_refused(held: object) -> None:
    with pytest.raises(UnmappedClaims, match="names no role"):
        role_of({"groups": held}, "groups", GROUPS)


def test_a_tenant_id_must_be_a_uuid() -> None:
    tenant = uuid.uuid4()
    assert tenant_of({"org": str(tenant)}, "org") == tenant
    for claims in ({}, {"org": "acme"}, {"org": None}):
        with pytest.raises(UnmappedClaims, match="tenant id in `org`"):
            tenant_of(claims, "org")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cp-admins", "is not `group=role`"),
        ("=admin", "is not `group=role`"),
        ("cp-admins=root", "unknown role"),
        ("signups=lead", "cannot grant the lead role"),
    ],
)
def test_a_bad_role_map_is_refused_at_start(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        IdentitySettings(role_map=text)


def test_issuers_are_taken_as_written_and_must_be_urls() -> None:
    auth0 = IdentitySettings(oidc_issuer="https://acme.eu.auth0.com/")
    assert auth0.oidc_issuer == "https://acme.eu.auth0.com/"
    with pytest.raises(ValidationError, match="http"):
        IdentitySettings(oidc_issuer="acme.eu.auth0.com")
    with pytest.raises(ValidationError, match="needs OIDC_ISSUER"):
        IdentitySettings(oidc_client_id="console")
