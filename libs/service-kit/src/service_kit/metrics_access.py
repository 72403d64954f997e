"""Who may read `/metrics`: pipeline counts by status and route counts are not for the public.

With `METRICS_TOKEN` set, a scraper sends it as a bearer credential (compared in constant
time). Without it, only a caller on this machine is answered: a loopback peer that came through
no proxy (a local proxy would add a forwarding header), which keeps `make run`, the e2e tests
and `make bench` working with nothing to configure.
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import Request
from pydantic import SecretStr

from service_kit.problems import Forbidden, Unauthorized
from service_kit.tokens import bearer_credential

FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


def check_metrics_access(request: Request, token: SecretStr | None) -> None:
    """Return if the caller may read the metrics; else raise a 401 or 403 problem."""
    if token is not None:
        given = bearer_credential(request.headers.get("authorization"))
        expected = token.get_secret_value().encode()
        if given is None or not hmac.compare_digest(given.encode(), expected):
            raise Unauthorized("Metrics need the bearer credential set as METRICS_TOKEN.")
        return
    peer = request.client.host if request.client else ""
    proxied = any(name in request.headers for name in FORWARDING_HEADERS)
    if proxied or not _loopback(peer):
        raise Forbidden("Metrics are served to this machine only unless METRICS_TOKEN is set.")


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
