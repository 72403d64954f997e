"""tenantctl's requests to the OpenID provider: discovery, the device authorization grant
(RFC 8628), refresh, and revocation (RFC 7009). tenantctl is a public client: it sends its
client id and never a secret."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from service_kit.oidc_settings import discovery_url
from tenant_api.cli.config import CliError

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_TIMEOUT = 10.0


class Unreachable(CliError):
    """The provider did not answer (network, TLS, timeout)."""


@dataclass(frozen=True)
class Refusal:
    """A token endpoint's error answer (RFC 6749 §5.2)."""

    error: str
    description: str | None

    def __str__(self) -> str:
        return f"{self.error}: {self.description}" if self.description else self.error


@dataclass(frozen=True)
class DeviceAuthorization:
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: int
    interval: int | None


def discover(issuer: str) -> dict[str, Any]:
    """The provider's discovery document, checked to be the issuer's own."""
    url = discovery_url(issuer)
    response = _send("GET", url)
    if response.status_code != 200:
        raise CliError(f"the OpenID provider's discovery {url} answered {response.status_code}")
    document = _json(response)
    # OpenID Connect Discovery §4.3: a document naming another issuer speaks for someone else.
    if not isinstance(document, dict) or document.get("issuer") != issuer:
        raise CliError(f"the discovery document at {url} names another issuer than {issuer}")
    return document


def endpoint(metadata: dict[str, Any], name: str) -> str | None:
    value = metadata.get(name)
    return value if isinstance(value, str) and value else None


def authorize_device(url: str, client_id: str, scope: str) -> DeviceAuthorization:
    response = _send("POST", url, {"client_id": client_id, "scope": scope})
    answer = _json(response)
    if response.status_code != 200 or not isinstance(answer, dict):
        raise CliError(f"the provider refused the device sign-in: {_refusal(response)}")
    try:
        interval = answer.get("interval")
        return DeviceAuthorization(
            device_code=str(answer["device_code"]),
            user_code=str(answer["user_code"]),
            verification_uri=str(answer["verification_uri"]),
            verification_uri_complete=answer.get("verification_uri_complete"),
            expires_in=int(answer["expires_in"]),
            interval=int(interval) if interval is not None else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CliError(f"the provider's device authorization lacks {exc}") from exc


def request_tokens(url: str, form: dict[str, str]) -> dict[str, Any] | Refusal:
    """The token endpoint's answer: the tokens, or its refusal."""
    response = _send("POST", url, form)
    answer = _json(response)
    if response.status_code == 200 and isinstance(answer, dict) and answer.get("access_token"):
        token_type = str(answer.get("token_type", "Bearer"))
        if token_type.lower() != "bearer":
            raise CliError(f"the provider issued a {token_type} token; tenantctl sends bearer ones")
        return answer
    return _refusal(response)


def revoke(url: str, client_id: str, token: str, hint: str) -> None:
    response = _send("POST", url, {"client_id": client_id, "token": token, "token_type_hint": hint})
    if response.status_code != 200:
        raise CliError(f"the provider did not revoke the {hint}: {_refusal(response)}")


def _send(method: str, url: str, form: dict[str, str] | None = None) -> httpx.Response:
    try:
        return httpx.request(method, url, data=form, timeout=_TIMEOUT)
    except httpx.HTTPError as exc:
        raise Unreachable(f"cannot reach the OpenID provider at {url} ({exc})") from exc


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _refusal(response: httpx.Response) -> Refusal:
    answer = _json(response)
    if isinstance(answer, dict) and isinstance(answer.get("error"), str):
        description = answer.get("error_description")
        return Refusal(answer["error"], str(description) if description else None)
    return Refusal(f"HTTP {response.status_code}", response.text[:200] or None)
