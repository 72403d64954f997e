"""Calls between services that only the gateway may make: a shared token in a header of its own.

lead-verifier's staff reads (`GET /leads*`) answer only a caller that presents
INTERNAL_API_TOKEN; the gateway sends it after it has checked the operator's JWT and role. A
header of its own, not `Authorization`: that one carries the client's credential (the e-mailed
code on verify), and the two must never be mistaken for each other.
"""

from __future__ import annotations

import hmac

from pydantic import SecretStr

from service_kit.problems import Unauthorized

INTERNAL_CALLER_HEADER = "X-Internal-Token"


def internal_headers(token: SecretStr) -> dict[str, str]:
    """What a caller adds to an internal call."""
    return {INTERNAL_CALLER_HEADER: token.get_secret_value()}


def check_internal_token(given: str | None, token: SecretStr) -> None:
    """Return if `given` is the internal token (compared in constant time); else 401."""
    expected = token.get_secret_value().encode()
    if given is None or not hmac.compare_digest(given.encode(), expected):
        raise Unauthorized(f"Only the gateway calls this route ({INTERNAL_CALLER_HEADER}).")
