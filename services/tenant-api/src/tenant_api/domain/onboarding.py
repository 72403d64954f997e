"""Rules for a new tenant: key and domain syntax, and the contact's domain must be the tenant's."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from tenant_api.domain.errors import DomainError

DEFAULT_PLAN_ID = "standard"  # a tenant onboarded without `planId`
KEY_PATTERN = r"^[a-z0-9]{3,20}$"
DOMAIN_PATTERN = r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
_DOMAIN = re.compile(DOMAIN_PATTERN)


# Which of the command's fields the mismatch is blamed on: the new domains, or the e-mail.
MismatchField = Literal["domains", "email"]


class DomainMismatch(DomainError):
    """The contact's e-mail domain is not one of the tenant's domains."""

    def __init__(self, message: str, *, field: MismatchField) -> None:
        super().__init__(message)
        self.field = field


def normalise_domains(domains: list[str]) -> list[str]:
    """Lower-cased, de-duplicated, order kept; ValueError for one that is not a host name."""
    seen: dict[str, None] = {}
    for raw in domains:
        domain = raw.strip().lower().rstrip(".")
        if not _DOMAIN.match(domain):
            raise ValueError(f"{raw!r} is not a valid domain name")
        seen.setdefault(domain)
    return list(seen)


def check_contact_domain(email: str, domains: Sequence[str], *, field: MismatchField) -> None:
    domain = email.rsplit("@", 1)[-1].lower()
    if domain not in domains:
        raise DomainMismatch(
            f"the contact's e-mail domain {domain!r} must be one of the tenant's domains",
            field=field,
        )
