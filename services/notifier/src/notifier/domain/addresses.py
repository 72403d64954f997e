"""Recipient addresses as SMTP can carry them. Pure.

The domain travels as IDNA A-labels (`bücher.example` → `xn--bcher-kva.example`), which every
server takes; a non-ASCII local part can only travel to a server that offers SMTPUTF8
(RFC 6531), with the message's headers in UTF-8 (RFC 6532).
"""

from __future__ import annotations

from dataclasses import dataclass

import idna


class UnsendableAddress(ValueError):
    """The address's domain is not valid IDNA: no server can be asked to deliver it."""


@dataclass(frozen=True)
class MailAddress:
    local: str
    domain: str  # A-labels only

    @property
    def addr_spec(self) -> str:
        return f"{self.local}@{self.domain}"

    @property
    def needs_smtputf8(self) -> bool:
        return not self.local.isascii()


def mail_address(address: str) -> MailAddress:
    local, _, domain = address.strip().rpartition("@")
    if not local or not domain:
        raise UnsendableAddress("an address needs a local part and a domain")
    try:
        ascii_domain = domain if domain.isascii() else idna.encode(domain, uts46=True).decode()
    except idna.IDNAError as exc:
        raise UnsendableAddress(f"the domain is not valid IDNA: {exc}") from exc
    return MailAddress(local=local, domain=ascii_domain.lower())
