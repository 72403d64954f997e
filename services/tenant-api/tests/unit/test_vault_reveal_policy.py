"""Who may see a credential in plaintext: an admin any, a tenant what it was handed to use."""

from __future__ import annotations

import pytest

from tenant_api.domain.roles import Role
from tenant_api.domain.vault import may_reveal

HANDED_OVER = frozenset({"database"})


@pytest.mark.parametrize(
    ("role", "provider", "allowed"),
    [
        (Role.ADMIN, "stripe", True),
        (Role.ADMIN, "database", True),
        (Role.TENANT, "database", True),
        (Role.TENANT, "stripe", False),
        (Role.OPERATOR, "database", False),
        (Role.LEAD, "database", False),
    ],
)
def test_an_admin_reveals_any_credential_and_a_tenant_only_what_it_was_handed(
    role: Role, provider: str, allowed: bool
) -> None:
    assert may_reveal(role, provider, HANDED_OVER) is allowed
    assert may_reveal(role, provider, frozenset()) is (role is Role.ADMIN)
